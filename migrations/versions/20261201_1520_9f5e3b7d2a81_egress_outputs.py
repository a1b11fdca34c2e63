"""Egress processes and the outputs of a session: live stream, recording,
broadcast, snapshot (issue G, items 1, 5, 6).

Revision ID: 9f5e3b7d2a81
Revises: 8e4d2a6c1f70
Create Date: 2026-12-01 15:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9f5e3b7d2a81"
down_revision: str | None = "8e4d2a6c1f70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KINDS = ("hls", "recording", "rtmp", "snapshot")
STATES = ("starting", "live", "stopping", "stopped", "failed")
_running = sa.text("stopped_at IS NULL")


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    op.create_table(
        "egress_nodes",
        sa.Column("egress_id", sa.String(length=100), nullable=False),
        sa.Column("control_url", sa.String(length=500), nullable=False),
        _time("started_at"),
        _time("last_heartbeat_at"),
        sa.Column("draining", sa.Boolean(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("outputs", sa.Integer(), nullable=False),
        sa.Column("cpu", sa.Double(), nullable=False),
        sa.Column("max_sessions", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_egress_nodes")),
        sa.UniqueConstraint("egress_id", name=op.f("uq_egress_nodes_egress_id")),
    )
    op.create_index(op.f("ix_egress_nodes_last_heartbeat_at"), "egress_nodes",
                    ["last_heartbeat_at"])
    op.create_table(
        "session_outputs",
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum(KINDS, "output_kind"), nullable=False),
        sa.Column("state", _enum(STATES, "output_state"), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("egress_node_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("rtmp_url", sa.Text(), nullable=True),
        sa.Column("storage_prefix", sa.String(length=300), nullable=False),
        _time("started_at"),
        _time("stopped_at", nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_outputs")),
        _fk("session_outputs", "company_id", "companies"),
        _fk("session_outputs", "session_id", "meeting_sessions"),
        _fk("session_outputs", "egress_node_id", "egress_nodes"),
        _fk("session_outputs", "recording_id", "recordings"),
        sa.UniqueConstraint("public_id", name=op.f("uq_session_outputs_public_id")),
    )
    for column in ("company_id", "session_id", "egress_node_id"):
        op.create_index(op.f(f"ix_session_outputs_{column}"), "session_outputs", [column])
    op.create_index("uq_session_outputs_session_kind_running", "session_outputs",
                    ["session_id", "kind"], unique=True,
                    postgresql_where=_running, sqlite_where=_running)


def downgrade() -> None:
    op.drop_index("uq_session_outputs_session_kind_running", table_name="session_outputs")
    for column in ("egress_node_id", "session_id", "company_id"):
        op.drop_index(op.f(f"ix_session_outputs_{column}"), table_name="session_outputs")
    op.drop_table("session_outputs")
    op.drop_index(op.f("ix_egress_nodes_last_heartbeat_at"), table_name="egress_nodes")
    op.drop_table("egress_nodes")
