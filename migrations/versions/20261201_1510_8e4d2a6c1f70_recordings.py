"""Recordings (issue G, item 4).

Revision ID: 8e4d2a6c1f70
Revises: 7c3b9e1d5a26
Create Date: 2026-12-01 15:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e4d2a6c1f70"
down_revision: str | None = "7c3b9e1d5a26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


STATES = ("recording", "processing", "published", "unpublished", "failed", "deleted")


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.Enum(*STATES, name="recording_state", native_enum=False,
                                   create_constraint=True, length=20), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("audio_only", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("storage_prefix", sa.String(length=300), nullable=False),
        sa.Column("media_key", sa.String(length=300), nullable=True),
        sa.Column("failure_reason", sa.String(length=500), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_recordings_company_id_companies")),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"],
                                name=op.f("fk_recordings_host_id_hosts")),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"],
                                name=op.f("fk_recordings_room_id_rooms")),
        sa.ForeignKeyConstraint(["session_id"], ["meeting_sessions.id"],
                                name=op.f("fk_recordings_session_id_meeting_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("public_id", name=op.f("uq_recordings_public_id")),
    )
    op.create_index("ix_recordings_company_id_started_at", "recordings",
                    ["company_id", "started_at"], unique=False)
    op.create_index(op.f("ix_recordings_host_id"), "recordings", ["host_id"], unique=False)
    op.create_index(op.f("ix_recordings_room_id"), "recordings", ["room_id"], unique=False)
    op.create_index(op.f("ix_recordings_session_id"), "recordings", ["session_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_recordings_session_id"), table_name="recordings")
    op.drop_index(op.f("ix_recordings_room_id"), table_name="recordings")
    op.drop_index(op.f("ix_recordings_host_id"), table_name="recordings")
    op.drop_index("ix_recordings_company_id_started_at", table_name="recordings")
    op.drop_table("recordings")
