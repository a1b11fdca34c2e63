"""Recordings: the integrator's metadata (copied from the room's at the
start, then updated), and caption/subtitle tracks kept beside the file.
(Published and unpublished are states the recordings table already has.)

Revision ID: f1b9d3e5a7c8
Revises: e0a8c2d4f6b7
Create Date: 2026-12-01 16:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1b9d3e5a7c8"
down_revision: str | None = "e0a8c2d4f6b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("meta", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "recording_text_tracks",
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_id", "kind", "lang",
                            name="uq_recording_text_tracks_kind_lang"),
    )
    op.create_index("ix_recording_text_tracks_recording_id", "recording_text_tracks",
                    ["recording_id"])


def downgrade() -> None:
    op.drop_index("ix_recording_text_tracks_recording_id", "recording_text_tracks")
    op.drop_table("recording_text_tracks")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("meta")
