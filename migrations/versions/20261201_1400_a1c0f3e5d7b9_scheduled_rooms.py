"""Scheduled rooms: a room's own access code, its organizer, and the window in
which it is open (issue D, item 3; app/modules/meetings/scheduling.py).

Revision ID: a1c0f3e5d7b9
Revises: 15ca74302ba1
Create Date: 2026-12-01 14:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c0f3e5d7b9"
down_revision: str | None = "15ca74302ba1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN_CODE = sa.text("access_code IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("access_code", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("organizer_id", sa.Integer(), nullable=True))
        for name in ("starts_at", "opens_at", "closes_at"):
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("auto_record", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch.create_foreign_key(op.f("fk_rooms_organizer_id_hosts"), "hosts",
                                 ["organizer_id"], ["id"])
        batch.create_index(op.f("ix_rooms_organizer_id"), ["organizer_id"])
        batch.create_index("uq_rooms_company_access_code", ["company_id", "access_code"],
                           unique=True, postgresql_where=OWN_CODE, sqlite_where=OWN_CODE)
    # A personal room's organizer is its host.
    op.execute("UPDATE rooms SET organizer_id = host_id WHERE host_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.drop_index("uq_rooms_company_access_code")
        batch.drop_index(op.f("ix_rooms_organizer_id"))
        batch.drop_constraint(op.f("fk_rooms_organizer_id_hosts"), type_="foreignkey")
        for name in ("title", "auto_record", "closes_at", "opens_at", "starts_at", "organizer_id",
                     "access_code"):
            batch.drop_column(name)
