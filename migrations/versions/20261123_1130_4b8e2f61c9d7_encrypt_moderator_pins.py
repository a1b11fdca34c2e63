"""Moderator PINs are shown again (host/get), so they are encrypted at rest,
like the login key: existing ones are encrypted in place.

Revision ID: 4b8e2f61c9d7
Revises: 7e1b9c3a5d20
Create Date: 2026-11-23 11:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The column type that encrypts with the running app's SECRET_KEY (migrations
# always run inside the app); reading through it decrypts.
from app.core.security import EncryptedString

revision: str = "4b8e2f61c9d7"
down_revision: str | None = "7e1b9c3a5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_plain = sa.table("hosts", sa.column("id", sa.Integer()), sa.column("moderator_pin", sa.Text()))
_sealed = sa.table("hosts", sa.column("id", sa.Integer()),
                   sa.column("moderator_pin", EncryptedString()))


def upgrade() -> None:
    with op.batch_alter_table("hosts") as batch:
        batch.alter_column("moderator_pin", type_=sa.Text(), existing_type=sa.String(12),
                           existing_nullable=False)
    _copy(read=_plain, write=_sealed)


def downgrade() -> None:
    _copy(read=_sealed, write=_plain)
    with op.batch_alter_table("hosts") as batch:
        batch.alter_column("moderator_pin", type_=sa.String(12), existing_type=sa.Text(),
                           existing_nullable=False)


def _copy(read: sa.TableClause, write: sa.TableClause) -> None:
    connection = op.get_bind()
    for row_id, pin in connection.execute(sa.select(read.c.id, read.c.moderator_pin)).all():
        connection.execute(sa.update(write).where(write.c.id == row_id)
                           .values(moderator_pin=pin))
