"""A company's OpenID Connect provider (issue D, item 5).

Revision ID: c3e2f5a7b9d1
Revises: b2d1e4f6a8c0
Create Date: 2026-12-01 14:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3e2f5a7b9d1"
down_revision: str | None = "b2d1e4f6a8c0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("openid_issuer", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("openid_client_id", sa.String(length=255), nullable=True))
        # Encrypted at rest (app.core.security.EncryptedString).
        batch.add_column(sa.Column("openid_client_secret", sa.Text(), nullable=True))
        # A literal default, not sa.false(): SQLite then adds the column in
        # place instead of copying the table, which rows of hosts refer to.
        # ('0' is false to PostgreSQL and SQLite alike.)
        batch.add_column(sa.Column("openid_provision_hosts", sa.Boolean(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    # In place, not in a batch: SQLite (3.35 and later) drops a column itself,
    # where a batch would copy the table and drop the one hosts refer to.
    for column in ("openid_provision_hosts", "openid_client_secret", "openid_client_id",
                   "openid_issuer"):
        op.drop_column("companies", column)
