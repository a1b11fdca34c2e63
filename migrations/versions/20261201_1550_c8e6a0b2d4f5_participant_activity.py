"""Participant activity from node events: hands, mute-mode changes, chat counts, screen share, talk time (issue H, item 5).

Revision ID: c8e6a0b2d4f5
Revises: b7d5f9a1c3e4
Create Date: 2026-12-01 15:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "c8e6a0b2d4f5"
down_revision: str | None = "b7d5f9a1c3e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
