"""Participant activity from node events: talk, camera and screen-share time,
chats, raised hands (issue H, item 5).

Revision ID: c8e6a0b2d4f5
Revises: b7d5f9a1c3e4
Create Date: 2026-12-01 15:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c8e6a0b2d4f5"
down_revision: str | None = "b7d5f9a1c3e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _count(name: str, kind: type[sa.types.TypeEngine[object]]) -> sa.Column:
    return sa.Column(name, kind(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "participant_activity",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        _count("talk_seconds", sa.Double),
        _count("camera_seconds", sa.Double),
        _count("screen_share_seconds", sa.Double),
        _count("chats", sa.Integer),
        _count("hands_raised", sa.Integer),
        _count("reactions", sa.Integer),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_participant_activity_participant_id_participants")),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_participant_activity")),
    )


def downgrade() -> None:
    op.drop_table("participant_activity")
