"""Recordings (issue G, item 4).

Revision ID: 8e4d2a6c1f70
Revises: 7c3b9e1d5a26
Create Date: 2026-12-01 15:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "8e4d2a6c1f70"
down_revision: str | None = "7c3b9e1d5a26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
