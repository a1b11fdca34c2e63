"""Scheduled conferences and their invitees (issue D, items 1-2).

Revision ID: f6b5c8d0e2a4
Revises: a1c0f3e5d7b9
Create Date: 2026-12-01 14:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "f6b5c8d0e2a4"
down_revision: str | None = "a1c0f3e5d7b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
