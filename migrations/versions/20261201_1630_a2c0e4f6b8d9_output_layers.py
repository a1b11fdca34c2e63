"""Outputs: who asked for an output (the rooms API's user of a recording or
snapshot), a broadcast's public player URL, a deleted snapshot; and each
session's composition (layout, layers, playbacks) that every egress of the
session starts with.

Revision ID: a2c0e4f6b8d9
Revises: f1b9d3e5a7c8
Create Date: 2026-12-01 16:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a2c0e4f6b8d9"
down_revision: str | None = "f1b9d3e5a7c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_outputs") as batch:
        batch.add_column(sa.Column("requested_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("player_url", sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_session_outputs_requested_by_id_participants",
                                 "participants", ["requested_by_id"], ["id"])
    op.create_table(
        "session_compositions",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("layers", sa.JSON(), nullable=False),
        sa.Column("playbacks", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["meeting_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", name="uq_session_compositions_session_id"),
    )


def downgrade() -> None:
    op.drop_table("session_compositions")
    with op.batch_alter_table("session_outputs") as batch:
        batch.drop_constraint("fk_session_outputs_requested_by_id_participants",
                              type_="foreignkey")
        batch.drop_column("deleted_at")
        batch.drop_column("player_url")
        batch.drop_column("requested_by_id")
