"""Per-company API keys: the rooms API team key (only its SHA-256 is stored).

Revision ID: e0a8c2d4f6b7
Revises: d9f7b1c3e5a6
Create Date: 2026-12-01 16:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e0a8c2d4f6b7"
down_revision: str | None = "d9f7b1c3e5a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(40), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name="fk_api_keys_company_id_companies"),
        sa.ForeignKeyConstraint(["created_by_id"], ["hosts.id"], ondelete="SET NULL",
                                name="fk_api_keys_created_by_id_hosts"),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("public_id", name="uq_api_keys_public_id"),
        sa.UniqueConstraint("digest", name="uq_api_keys_digest"),
    )
    op.create_index("ix_api_keys_company_id", "api_keys", ["company_id"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_company_id", "api_keys")
    op.drop_table("api_keys")
