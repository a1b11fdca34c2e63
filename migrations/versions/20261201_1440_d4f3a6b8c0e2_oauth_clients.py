"""OAuth clients and their access tokens for enterprise_api (issue D, item 6).

Revision ID: d4f3a6b8c0e2
Revises: c3e2f5a7b9d1
Create Date: 2026-12-01 14:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4f3a6b8c0e2"
down_revision: str | None = "c3e2f5a7b9d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_oauth_clients_company_id_companies")),
        sa.ForeignKeyConstraint(["created_by_id"], ["hosts.id"],
                                name=op.f("fk_oauth_clients_created_by_id_hosts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_clients_client_id")),
    )
    op.create_index(op.f("ix_oauth_clients_company_id"), "oauth_clients", ["company_id"],
                    unique=False)
    op.create_table(
        "oauth_tokens",
        sa.Column("oauth_client_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["oauth_client_id"], ["oauth_clients.id"],
                                name=op.f("fk_oauth_tokens_oauth_client_id_oauth_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_tokens_token_hash")),
    )
    op.create_index(op.f("ix_oauth_tokens_oauth_client_id"), "oauth_tokens",
                    ["oauth_client_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_oauth_tokens_oauth_client_id"), table_name="oauth_tokens")
    op.drop_table("oauth_tokens")
    op.drop_index(op.f("ix_oauth_clients_company_id"), table_name="oauth_clients")
    op.drop_table("oauth_clients")
