"""Host web sessions: SSO, password and OpenID logins to the portal (issue D, items 4, 7, 8).

Revision ID: b2d1e4f6a8c0
Revises: f6b5c8d0e2a4
Create Date: 2026-12-01 14:20:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "b2d1e4f6a8c0"
down_revision: str | None = "f6b5c8d0e2a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
