"""The settings cascade's reseller and host levels (issue D, item 9).

Revision ID: e5a4b7c9d1f3
Revises: d4f3a6b8c0e2
Create Date: 2026-12-01 14:50:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "e5a4b7c9d1f3"
down_revision: str | None = "d4f3a6b8c0e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
