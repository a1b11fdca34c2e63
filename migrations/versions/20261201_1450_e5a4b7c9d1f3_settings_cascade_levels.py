"""The settings cascade's reseller and host levels (issue D, item 9): the
reseller's meeting defaults and mail sender name, whether a company inherits
the reseller's defaults (existing companies do), and a host's own defaults.

Revision ID: e5a4b7c9d1f3
Revises: d4f3a6b8c0e2
Create Date: 2026-12-01 14:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5a4b7c9d1f3"
down_revision: str | None = "d4f3a6b8c0e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("resellers") as batch:
        batch.add_column(sa.Column("meeting_defaults", sa.JSON(), nullable=False,
                                   server_default="{}"))
        batch.add_column(sa.Column("mail_sender_name", sa.String(length=100), nullable=True))
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("inherit_reseller_defaults", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("meeting_defaults", sa.JSON(), nullable=False,
                                   server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("hosts") as batch:
        batch.drop_column("meeting_defaults")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("inherit_reseller_defaults")
    with op.batch_alter_table("resellers") as batch:
        batch.drop_column("mail_sender_name")
        batch.drop_column("meeting_defaults")
