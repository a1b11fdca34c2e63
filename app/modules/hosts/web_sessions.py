"""A host's logins to the pages (the portal, their own room): server-side
sessions behind a cookie, revocable at once, opened by one-click SSO
(``/auth``), a password (``/login``) or OpenID Connect.

Only the cookie token's SHA-256 is stored, like an auth_token's. Every
request reads the row (no cache): a logout, a new password or a deletion
ends the session on the next request, in every process."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.rate_limits import FailureLimit, client_address
from app.core.security import (
    constant_time_equal,
    new_token,
    purge_dead_credentials,
    token_digest,
)
from app.errors import AppError, Conflict, Forbidden, Unauthorized
from app.extensions import db, settings
from app.modules.access import Caller
from app.modules.hosts import resolvers
from app.modules.hosts.credentials import LAST_USED_RESOLUTION, check_password, set_password
from app.modules.hosts.models import Host, HostRecord, HostWebSession, SessionVia
from app.modules.tenants.models import Tenant

# The cookie's name: ``__Host-`` makes browsers take it only Secure, host-only
# and with Path=/, so a page on a sibling name (another company's
# subdomain) cannot plant a session of its own choosing (docs/security.md).
HOST_SESSION_COOKIE = "__Host-confera_session"
SSO_REFUSED = "This login link is not valid"
CREDENTIALS_ELSEWHERE = "Your password and email are managed by your company's sign-on"


def _refused_sso(error: AppError) -> bool:
    return isinstance(error, Unauthorized)


# Refused one-click logins, per client address. Not per host as wrong
# passwords are: a key has 256 bits and cannot be guessed, and a count per
# host would let anyone keep a host out of its SSO by sending wrong keys.
SSO_FAILURES = FailureLimit("refused logins", "ratelimit_sso", counts=_refused_sso)


@dataclass(frozen=True)
class HostSession:
    """A live web session as a request sees it."""

    id: int
    host: HostRecord
    via: SessionVia
    after_call_url: str | None
    csrf_token: str
    expires_at: datetime

    @property
    def caller(self) -> Caller:
        return Caller(id=self.host.id, company_id=self.host.company_id,
                      reseller_id=self.host.reseller_id, role=self.host.role)

    @property
    def may_change_credentials(self) -> bool:
        """Password and email belong to the identity provider for SSO and
        OpenID sessions: the pages neither show nor take their changes."""
        return self.via is SessionVia.PASSWORD


def open_host_session(tenant: Tenant, host: Host | HostRecord, via: SessionVia,
                      after_call_url: str | None = None) -> str:
    """A new session for ``host`` of ``tenant``; returns the cookie's token."""
    if host.company_id != tenant.id:
        raise Unauthorized(SSO_REFUSED)  # callers found the host in the tenant: never
    token = new_token()
    purge_dead_credentials(HostWebSession.host_id, host.id)
    db.session.add(HostWebSession(
        host_id=host.id, token_hash=token_digest(token), via=via,
        after_call_url=after_call_url, csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + timedelta(hours=settings().host_session_hours),
    ))
    db.session.flush()
    return token


def host_session(tenant: Tenant, token: str) -> HostSession | None:
    """The live session of the cookie ``token`` on ``tenant``'s host name;
    None when unknown, expired, revoked, its host deleted (or its company
    inactive), or the host belongs to another company."""
    digest = token_digest(token)
    row = db.session.execute(
        sa.select(HostWebSession).where(HostWebSession.token_hash == digest)
    ).scalar()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    host = resolvers.host_record(row.host_id)
    if host is None or host.company_id != tenant.id:
        return None
    if row.last_seen_at is None or now - row.last_seen_at > LAST_USED_RESOLUTION:
        row.last_seen_at = now  # at most once in a while: reads stay reads
        db.session.flush()
    return HostSession(id=row.id, host=host, via=row.via, after_call_url=row.after_call_url,
                       csrf_token=row.csrf_token, expires_at=row.expires_at)


def close_host_session(token: str) -> None:
    """Logout: the session ends now (nothing happens for an unknown token)."""
    db.session.execute(
        sa.update(HostWebSession)
        .where(HostWebSession.token_hash == token_digest(token),
               HostWebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def sso_login(tenant: Tenant, host_id: int, key: str) -> Host:
    """The live host ``host_id`` of ``tenant`` if ``key`` is its current
    login_token_public_key. A wrong or rotated key, an unknown host, a host
    of another company and a deleted host get one answer (401), and count
    against RATELIMIT_SSO per client address (429 once spent)."""
    with SSO_FAILURES.guard(client_address()):
        host = db.session.execute(
            sa.select(Host).where(Host.id == host_id, Host.company_id == tenant.id,
                                  Host.deleted_at.is_(None))
        ).scalar()
        # Compared in constant time, and compared even without a host, so
        # the time taken tells nothing of whether host_id exists.
        expected = host.login_token_public_key if host else secrets.token_hex(32)
        if not constant_time_equal(expected, key) or host is None:
            raise Unauthorized(SSO_REFUSED)
    return host


def password_login(tenant: Tenant, email: str, password: str) -> Host:
    """The host of ``tenant`` with these credentials (credentials.check_password:
    401 when wrong, 429 while the account backs off)."""
    return check_password(tenant, email, password)


def change_password(session: HostSession, current: str, new: str) -> None:
    """A new password for the session's host, which must give its current
    one; every other session and API token of the host ends."""
    host = _own_host_to_change(session, current)
    set_password(host, new, keep_web_session=session.id)


def change_email(session: HostSession, current_password: str, email: str) -> HostRecord:
    """A new email (unique among the company's live hosts: 409 otherwise)."""
    host = _own_host_to_change(session, current_password)
    email = email.strip().lower()
    taken = db.session.execute(
        sa.select(Host.id).where(Host.company_id == host.company_id, Host.email == email,
                                 Host.id != host.id, Host.deleted_at.is_(None))
    ).first()
    if taken:
        raise Conflict("A host with this email exists", {"email": ["Already in use."]})
    host.email = email
    db.session.flush()
    return resolvers.record_of(host)


def _own_host_to_change(session: HostSession, current_password: str) -> Host:
    if not session.may_change_credentials:
        raise Forbidden(CREDENTIALS_ELSEWHERE)
    host = db.session.get(Host, session.host.id)
    if host is None or host.deleted_at is not None:
        raise Unauthorized("Your session has ended")
    # The current password goes through the login's check: a guess here
    # backs off like a wrong login (a stolen session cannot try passwords).
    return check_password(Tenant.of(host.company), host.email, current_password)
