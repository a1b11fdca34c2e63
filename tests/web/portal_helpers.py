"""Helpers of the portal and SSO page tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.modules.hosts.models import Host, HostWebSession


def login_key(app: Any, host_id: int) -> str:
    """The host's current SSO key, as host/get shows it to an admin."""
    with app.app_context():
        host = db.session.get(Host, host_id)
        assert host is not None
        key = host.login_token_public_key
        db.session.remove()
        return key


def session_rows(app: Any) -> list[HostWebSession]:
    with app.app_context():
        rows = list(db.session.execute(
            sa.select(HostWebSession).order_by(HostWebSession.id)).scalars())
        db.session.expunge_all()
        return rows


def csrf_of(page: str) -> str:
    """The CSRF token in a portal page's forms."""
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF field on the page"
    return match.group(1)
