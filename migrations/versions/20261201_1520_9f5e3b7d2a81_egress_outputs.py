"""Egress processes and the outputs of a session: live stream, recording, broadcast, snapshot (issue G, items 1, 5, 6).

Revision ID: 9f5e3b7d2a81
Revises: 8e4d2a6c1f70
Create Date: 2026-12-01 15:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "9f5e3b7d2a81"
down_revision: str | None = "8e4d2a6c1f70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
