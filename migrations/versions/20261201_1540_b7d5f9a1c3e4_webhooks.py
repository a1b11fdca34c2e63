"""Webhook subscriptions, deliveries and their attempts (issue H, items 2, 3, 7).

Revision ID: b7d5f9a1c3e4
Revises: a6c4e8f0b2d3
Create Date: 2026-12-01 15:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "b7d5f9a1c3e4"
down_revision: str | None = "a6c4e8f0b2d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
