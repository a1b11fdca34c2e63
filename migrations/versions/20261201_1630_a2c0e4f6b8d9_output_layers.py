"""Outputs: layers and playbacks (placeholder).

Revision ID: a2c0e4f6b8d9
Revises: f1b9d3e5a7c8
Create Date: 2026-12-01 16:30:00.000000+00:00
"""

from collections.abc import Sequence

revision: str = "a2c0e4f6b8d9"
down_revision: str | None = "f1b9d3e5a7c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
