"""The event outbox (issue H, item 1).

Revision ID: a6c4e8f0b2d3
Revises: 9f5e3b7d2a81
Create Date: 2026-12-01 15:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "a6c4e8f0b2d3"
down_revision: str | None = "9f5e3b7d2a81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
