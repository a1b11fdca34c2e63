"""A participant admitted as moderator by the host's moderator PIN keeps a keyed
digest of that PIN, so that a changed PIN ends the moderator powers it gave.

Revision ID: 5d2e8a4f7b31
Revises: 9a4d1c7e2b60
Create Date: 2026-12-01 11:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2e8a4f7b31"
down_revision: str | None = "9a4d1c7e2b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("moderator_pin_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("moderator_pin_digest")
