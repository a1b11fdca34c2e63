"""OAuth clients and their access tokens for enterprise_api (issue D, item 6).

Revision ID: d4f3a6b8c0e2
Revises: c3e2f5a7b9d1
Create Date: 2026-12-01 14:40:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "d4f3a6b8c0e2"
down_revision: str | None = "c3e2f5a7b9d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
