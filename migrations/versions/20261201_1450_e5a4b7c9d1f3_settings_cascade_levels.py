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
        # A plain "1" (true on both databases): an expression as the default
        # would make SQLite copy the table, which the hosts' rows refer to.
        batch.add_column(sa.Column("inherit_reseller_defaults", sa.Boolean(), nullable=False,
                                   server_default="1"))
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("meeting_defaults", sa.JSON(), nullable=False,
                                   server_default="{}"))


def downgrade() -> None:
    # In place, not in a batch: SQLite (3.35 and later) drops a column itself,
    # while a batch copies the table and drops the old one, which the rows of
    # other tables refer to (hosts -> companies), and that fails.
    op.drop_column("hosts", "meeting_defaults")
    op.drop_column("companies", "inherit_reseller_defaults")
    op.drop_column("resellers", "mail_sender_name")
    op.drop_column("resellers", "meeting_defaults")
