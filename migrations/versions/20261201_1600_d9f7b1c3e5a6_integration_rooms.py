"""Integration rooms and passes: a room an integrator names by its own id
(BBB meetingID, Eyeson room id) with its options and metadata; participants
let in by a pass (a dialect's join link); each company's shared secret;
webhook subscriptions in a dialect's format, per room (callbacks).

Revision ID: d9f7b1c3e5a6
Revises: c8e6a0b2d4f5
Create Date: 2026-12-01 16:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9f7b1c3e5a6"
down_revision: str | None = "c8e6a0b2d4f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_named = sa.text("external_id IS NOT NULL")


def _json(name: str, default: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False, server_default=default)


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("namespace", sa.String(20), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(256), nullable=True))
        batch.add_column(_json("options", "{}"))
        batch.add_column(_json("meta", "{}"))
        batch.add_column(_json("integration_data", "{}"))
        batch.add_column(sa.Column("moderator_password", sa.Text(), nullable=True))
        batch.add_column(sa.Column("attendee_password", sa.Text(), nullable=True))
    op.create_index("uq_rooms_company_namespace_external_id", "rooms",
                    ["company_id", "namespace", "external_id"], unique=True,
                    postgresql_where=_named, sqlite_where=_named)
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("pass_digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("external_user_id", sa.String(256), nullable=True))
        batch.add_column(sa.Column("avatar_url", sa.String(2000), nullable=True))
        batch.add_column(_json("user_data", "{}"))
        batch.add_column(sa.Column("guest", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_unique_constraint("uq_participants_pass_digest", ["pass_digest"])
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("shared_secret", sa.Text(), nullable=True))
        batch.add_column(_json("checksum_algorithms", "[]"))
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("format", sa.String(30), nullable=False,
                                   server_default="confera"))
        batch.add_column(sa.Column("room_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("bearer_token", sa.Text(), nullable=True))
        batch.add_column(_json("options", "{}"))
        batch.create_foreign_key("fk_webhook_subscriptions_room_id_rooms", "rooms",
                                 ["room_id"], ["id"], ondelete="CASCADE")
        batch.create_index("ix_webhook_subscriptions_room_id", ["room_id"])


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.drop_index("ix_webhook_subscriptions_room_id")
        batch.drop_constraint("fk_webhook_subscriptions_room_id_rooms", type_="foreignkey")
        for column in ("options", "bearer_token", "room_id", "format"):
            batch.drop_column(column)
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("checksum_algorithms")
        batch.drop_column("shared_secret")
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint("uq_participants_pass_digest", type_="unique")
        for column in ("guest", "user_data", "avatar_url", "external_user_id", "pass_digest"):
            batch.drop_column(column)
    op.drop_index("uq_rooms_company_namespace_external_id", "rooms")
    with op.batch_alter_table("rooms") as batch:
        for column in ("attendee_password", "moderator_password", "integration_data", "meta",
                       "options", "external_id", "namespace"):
            batch.drop_column(column)
