"""Scheduled conferences and their invitees (issue D, items 1-2).

Revision ID: f6b5c8d0e2a4
Revises: a1c0f3e5d7b9
Create Date: 2026-12-01 14:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f6b5c8d0e2a4"
down_revision: str | None = "a1c0f3e5d7b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "conferences",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        _time("start_at"),
        _time("end_at"),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("auto_transcribe", sa.Boolean(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        _time("cancelled_at", nullable=True),
        _time("updated_at"),
        sa.Column("id", sa.Integer(), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conferences")),
        _fk("conferences", "company_id", "companies"),
        _fk("conferences", "host_id", "hosts"),
        _fk("conferences", "room_id", "rooms"),
        sa.UniqueConstraint("room_id", name=op.f("uq_conferences_room_id")),
    )
    op.create_index(op.f("ix_conferences_company_id"), "conferences", ["company_id"])
    op.create_index("ix_conferences_host_id_start_at", "conferences", ["host_id", "start_at"])
    op.create_table(
        "conference_invitees",
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("moderator", sa.Boolean(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_invitees")),
        _fk("conference_invitees", "conference_id", "conferences"),
        _fk("conference_invitees", "host_id", "hosts"),
        sa.UniqueConstraint("conference_id", "email",
                            name=op.f("uq_conference_invitees_conference_id_email")),
    )
    op.create_index(op.f("ix_conference_invitees_conference_id"), "conference_invitees",
                    ["conference_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_conference_invitees_conference_id"), table_name="conference_invitees")
    op.drop_table("conference_invitees")
    op.drop_index("ix_conferences_host_id_start_at", table_name="conferences")
    op.drop_index(op.f("ix_conferences_company_id"), table_name="conferences")
    op.drop_table("conferences")
