"""The event outbox (issue H, item 1).

Revision ID: a6c4e8f0b2d3
Revises: 9f5e3b7d2a81
Create Date: 2026-12-01 15:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a6c4e8f0b2d3"
down_revision: str | None = "9f5e3b7d2a81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("reseller_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("public_id", name=op.f("uq_events_public_id")),
    )
    op.create_index("ix_events_company_id_created_at", "events",
                    ["company_id", "created_at"], unique=False)
    op.create_index(op.f("ix_events_reseller_id"), "events", ["reseller_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_events_reseller_id"), table_name="events")
    op.drop_index("ix_events_company_id_created_at", table_name="events")
    op.drop_table("events")
