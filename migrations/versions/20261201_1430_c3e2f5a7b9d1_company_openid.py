"""A company's OpenID Connect provider (issue D, item 5).

Revision ID: c3e2f5a7b9d1
Revises: b2d1e4f6a8c0
Create Date: 2026-12-01 14:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "c3e2f5a7b9d1"
down_revision: str | None = "b2d1e4f6a8c0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
