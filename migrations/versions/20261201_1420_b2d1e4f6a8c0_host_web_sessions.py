"""Host web sessions: SSO, password and OpenID logins to the portal (issue D, items 4, 7, 8).

Revision ID: b2d1e4f6a8c0
Revises: f6b5c8d0e2a4
Create Date: 2026-12-01 14:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2d1e4f6a8c0"
down_revision: str | None = "f6b5c8d0e2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "host_web_sessions",
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("via", sa.Enum("sso", "password", "openid", name="session_via",
                                 native_enum=False, create_constraint=True, length=10),
                  nullable=False),
        sa.Column("after_call_url", sa.String(length=2000), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"],
                                name=op.f("fk_host_web_sessions_host_id_hosts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_host_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_host_web_sessions_host_id"), "host_web_sessions", ["host_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_host_web_sessions_host_id"), table_name="host_web_sessions")
    op.drop_table("host_web_sessions")
