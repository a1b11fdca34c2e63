"""Embed origins are checked strictly from now on (issue S, item 4); the
values stored before are made to pass the same check.

For every company, each stored embed origin is put in the form
app.core.schemas.normalize_origin gives it (lower case, IDNA for host names,
the scheme's default port left out); an origin that has no such form (a
wildcard, a path, a ';' or a quote, a control character, a bad port) is
dropped, and the same origin twice is kept once. Every dropped or rewritten
value is logged (logger "alembic.runtime.migration", with the company's id).

Downgrade changes nothing: what was dropped could only ever break the
meeting page's Content-Security-Policy, and the ASCII form is an origin too.

Revision ID: 8d5e728de975
Revises: 5d2e8a4f7b31
Create Date: 2026-12-01 12:00:00.000000+00:00
"""

import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.core.schemas import normalize_origin

revision: str = "8d5e728de975"
down_revision: str | None = "5d2e8a4f7b31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
_companies = sa.table("companies", sa.column("id", sa.Integer()),
                      sa.column("embed_origins", sa.JSON()))


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_companies.c.id, _companies.c.embed_origins)).all()
    for company_id, origins in rows:
        kept = checked_origins(company_id, origins or [])
        if kept != (origins or []):
            connection.execute(sa.update(_companies).where(_companies.c.id == company_id)
                               .values(embed_origins=kept))


def downgrade() -> None:
    pass


def checked_origins(company_id: int, origins: list[Any]) -> list[str]:
    kept: list[str] = []
    for origin in origins:
        try:
            normalized = normalize_origin(origin)
        except ValueError:
            log.warning("company %s: embed origin %r dropped: not an origin", company_id,
                        origin)
            continue
        if normalized != origin:
            log.warning("company %s: embed origin %r stored as %r", company_id, origin,
                        normalized)
        if normalized not in kept:
            kept.append(normalized)
    return kept
