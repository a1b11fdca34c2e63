"""Room options carried out by the domain (placeholder).

Revision ID: b3d1f5a7c9e0
Revises: a2c0e4f6b8d9
Create Date: 2026-12-01 16:40:00.000000+00:00
"""

from collections.abc import Sequence

revision: str = "b3d1f5a7c9e0"
down_revision: str | None = "a2c0e4f6b8d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
