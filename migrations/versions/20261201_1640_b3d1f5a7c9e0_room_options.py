"""Room options carried out by the domain: a guest's place in the lobby of a
room that asks its moderators (guest_policy ask_moderator).

Revision ID: b3d1f5a7c9e0
Revises: a2c0e4f6b8d9
Create Date: 2026-12-01 16:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3d1f5a7c9e0"
down_revision: str | None = "a2c0e4f6b8d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("admission", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("admission")
