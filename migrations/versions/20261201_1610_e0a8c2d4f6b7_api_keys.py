"""Per-company API keys: the rooms API team key (placeholder).

Revision ID: e0a8c2d4f6b7
Revises: d9f7b1c3e5a6
Create Date: 2026-12-01 16:10:00.000000+00:00
"""

from collections.abc import Sequence

revision: str = "e0a8c2d4f6b7"
down_revision: str | None = "d9f7b1c3e5a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
