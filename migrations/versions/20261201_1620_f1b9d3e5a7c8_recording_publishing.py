"""Recordings: published state, metadata, text tracks (placeholder).

Revision ID: f1b9d3e5a7c8
Revises: e0a8c2d4f6b7
Create Date: 2026-12-01 16:20:00.000000+00:00
"""

from collections.abc import Sequence

revision: str = "f1b9d3e5a7c8"
down_revision: str | None = "e0a8c2d4f6b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
