"""Room settings (attendee PIN, mute mode), the session's mute mode and lock, removed
participants, and the company's meeting defaults.

Revision ID: 7e1b9c3a5d20
Revises: 2c33dffac14c
Create Date: 2026-11-23 10:10:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7e1b9c3a5d20"
down_revision: str | None = "2c33dffac14c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODES = ("conversation", "presentation", "qa")


def _mute_mode() -> sa.Enum:
    return sa.Enum(*MODES, name="mute_mode", native_enum=False, create_constraint=True,
                   length=20)


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("security_pin", sa.Text(), nullable=True))
        batch.add_column(sa.Column("mute_mode", _mute_mode(), nullable=True))
    with op.batch_alter_table("meeting_sessions") as batch:
        batch.add_column(sa.Column("mute_mode", _mute_mode(), nullable=False,
                                   server_default="conversation"))
        batch.add_column(sa.Column("locked", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("meeting_defaults", sa.JSON(), nullable=False,
                                   server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("meeting_defaults")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("removed_at")
    for table in ("meeting_sessions", "rooms"):
        with op.batch_alter_table(table) as batch:
            # SQLite's table copy would keep the check on the dropped column.
            batch.drop_constraint(op.f(f"ck_{table}_mute_mode"), type_="check")
            batch.drop_column("mute_mode")
            batch.drop_column("security_pin" if table == "rooms" else "locked")
