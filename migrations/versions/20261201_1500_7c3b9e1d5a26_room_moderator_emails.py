"""Whom a scheduled room's moderator invitations admit: an invitation made
out to an email no longer among them admits nobody (a conference update that
uninvites a moderator, or makes them an attendee, ends their link's powers).

Revision ID: 7c3b9e1d5a26
Revises: e5a4b7c9d1f3
Create Date: 2026-12-01 15:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3b9e1d5a26"
down_revision: str | None = "e5a4b7c9d1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("moderator_emails", sa.JSON(), nullable=False,
                                   server_default="[]"))
    # Rooms scheduled before: their conferences' moderators, as invited.
    op.execute(
        "UPDATE rooms SET moderator_emails = COALESCE(("
        + _moderators_of_room() + "), '[]')"
    )


def _moderators_of_room() -> str:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        return ("SELECT json_agg(lower(i.email) ORDER BY lower(i.email)) "
                "FROM conference_invitees i JOIN conferences c ON c.id = i.conference_id "
                "WHERE c.room_id = rooms.id AND i.moderator")
    return ("SELECT json_group_array(lower(email)) FROM (SELECT i.email FROM "
            "conference_invitees i JOIN conferences c ON c.id = i.conference_id "
            "WHERE c.room_id = rooms.id AND i.moderator ORDER BY lower(i.email))")


def downgrade() -> None:
    # In place, not in a batch: a batch copies the table on SQLite and drops
    # the old one, which meeting sessions and conferences refer to.
    op.drop_column("rooms", "moderator_emails")
