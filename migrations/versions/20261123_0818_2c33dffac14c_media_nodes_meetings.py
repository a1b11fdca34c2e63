"""Media nodes, rooms, meeting sessions and participants.

Revision ID: 2c33dffac14c
Revises: d5c6753cf294
Create Date: 2026-11-23 08:18:52.396552+00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "2c33dffac14c"
down_revision: str | None = "d5c6753cf294"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("ended_at IS NULL")


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(table: str) -> list[Any]:
    return [sa.Column("id", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "media_nodes",
        sa.Column("node_id", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("control_url", sa.String(length=500), nullable=False),
        _time("started_at"),
        _time("last_heartbeat_at"),
        sa.Column("draining", sa.Boolean(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("published_tracks", sa.Integer(), nullable=False),
        sa.Column("forwarded_streams", sa.Integer(), nullable=False),
        sa.Column("cpu", sa.Double(), nullable=False),
        sa.Column("max_participants", sa.Integer(), nullable=False),
        *_id("media_nodes"),
        sa.UniqueConstraint("node_id", name=op.f("uq_media_nodes_node_id")),
    )
    op.create_index(op.f("ix_media_nodes_last_heartbeat_at"), "media_nodes",
                    ["last_heartbeat_at"])
    op.create_table(
        "rooms",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=True),
        *_id("rooms"),
        _time("created_at"),
        _fk("rooms", "company_id", "companies"),
        _fk("rooms", "host_id", "hosts"),
        sa.UniqueConstraint("host_id", name=op.f("uq_rooms_host_id")),
    )
    op.create_index(op.f("ix_rooms_company_id"), "rooms", ["company_id"])
    op.create_table(
        "meeting_sessions",
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("media_node_id", sa.Integer(), nullable=True),
        _time("started_at"),
        _time("ended_at", nullable=True),
        *_id("meeting_sessions"),
        _fk("meeting_sessions", "company_id", "companies"),
        _fk("meeting_sessions", "media_node_id", "media_nodes"),
        _fk("meeting_sessions", "room_id", "rooms"),
        sa.UniqueConstraint("public_id", name=op.f("uq_meeting_sessions_public_id")),
    )
    op.create_index(op.f("ix_meeting_sessions_company_id"), "meeting_sessions", ["company_id"])
    op.create_index("uq_meeting_sessions_room_running", "meeting_sessions", ["room_id"],
                    unique=True, postgresql_where=RUNNING, sqlite_where=RUNNING)
    op.create_table(
        "participants",
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        _time("joined_at", nullable=True),
        _time("left_at", nullable=True),
        *_id("participants"),
        _time("created_at"),
        _fk("participants", "session_id", "meeting_sessions"),
        sa.UniqueConstraint("public_id", name=op.f("uq_participants_public_id")),
    )
    op.create_index(op.f("ix_participants_session_id"), "participants", ["session_id"])


def downgrade() -> None:
    op.drop_table("participants")
    op.drop_table("meeting_sessions")
    op.drop_table("rooms")
    op.drop_table("media_nodes")
