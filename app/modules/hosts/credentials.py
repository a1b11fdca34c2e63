"""How a host proves who it is: API tokens (authenticate, resolve, logout) and
one-time password links. (Single sign-on builds on these, above this package.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.identity_cache import UNCHANGED
from app.core.rate_limits import Backoff
from app.core.security import (
    hash_password,
    new_token,
    purge_dead_credentials,
    token_digest,
    verify_password,
)
from app.errors import NotFound, Unauthorized
from app.extensions import db, settings
from app.modules.access import Actor, credentials_fit_tenant
from app.modules.hosts import resolvers
from app.modules.hosts.models import ApiToken, Host, HostWebSession, PasswordLink
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_url

# Writing last_used_at on every call would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# The set-password page; a link is this path with the token as its fragment.
PASSWORD_PAGE = "/password/set"


# Wrong passwords back off per account, whatever the address they come from
# (per address, RATELIMIT_AUTHENTICATE limits every call): a spread-out guess
# gets about a hundred tries a day; a user locked out by someone else's
# guesses waits at most LOGIN_BACKOFF_MAX_SECONDS, and a new password (a link,
# an admin) does not wait at all.
LOGIN_BACKOFF = Backoff(
    "wrong passwords for this account", counts=lambda error: isinstance(error, Unauthorized),
    after=lambda: settings().login_backoff_after,
    longest=lambda: settings().login_backoff_max_seconds)


def authenticate(tenant: Tenant, email: str, password: str) -> str:
    """A new auth_token for the host of ``tenant`` with these credentials
    (401 when wrong, 429 while the account backs off: LOGIN_BACKOFF)."""
    host = check_password(tenant, email, password)
    token = new_token()
    ttl = timedelta(days=settings().api_token_ttl_days)
    purge_dead_credentials(ApiToken.host_id, host.id)
    db.session.add(ApiToken(host_id=host.id, token_hash=token_digest(token),
                            expires_at=utcnow() + ttl))
    db.session.flush()
    return token


def check_password(tenant: Tenant, email: str, password: str) -> Host:
    """The live host of ``tenant`` with these credentials, for every login
    that takes a password (the API's authenticate, the pages' /login): 401
    when wrong, 429 while the account backs off (LOGIN_BACKOFF)."""
    email = email.strip().lower()
    with LOGIN_BACKOFF.guard(_account(tenant.id, email)):
        host = db.session.execute(
            sa.select(Host).where(Host.company_id == tenant.id, Host.email == email,
                                  Host.deleted_at.is_(None))
        ).scalar()
        if not verify_password(host.password_hash if host else None, password) or \
                host is None:
            raise Unauthorized("Wrong email or password")
    return host


def _account(company_id: int, email: str) -> str:
    return f"{company_id}:{email}"


def actor_for_token(token: str, tenant: Tenant) -> Actor:
    """The actor an auth_token stands for on this tenant's host name, or 401."""
    digest = token_digest(token)
    record = resolvers.token_record(digest)
    now = utcnow()
    if record is None or record.revoked or record.expires_at <= now \
            or not record.caller_active:
        raise Unauthorized("Invalid or expired auth_token")
    if not credentials_fit_tenant(record.caller, tenant):
        raise Unauthorized("This auth_token is not valid on this host name")
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        _touch(record.token_id, digest, now)
    return Actor(caller=record.caller, tenant=tenant)


def _touch(token_id: int, digest: str, now: datetime) -> None:
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
        .execution_options(**{UNCHANGED: True, "synchronize_session": False})
    )
    # The cached record still has the old time; the next call loads the new one.
    resolvers.forget_token(digest)


def logout(token: str) -> None:
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.token_hash == token_digest(token))
        .values(revoked_at=utcnow())
    )


def revoke_host_tokens(host: Host, keep_web_session: int | None = None) -> None:
    """End every API token and web session of the host (a new password, a
    deletion); ``keep_web_session``: the session that changed the password."""
    now = utcnow()
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.host_id == host.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    sessions = sa.update(HostWebSession).where(HostWebSession.host_id == host.id,
                                               HostWebSession.revoked_at.is_(None))
    if keep_web_session is not None:
        sessions = sessions.where(HostWebSession.id != keep_web_session)
    db.session.execute(sessions.values(revoked_at=now))


def create_password_link(tenant: Tenant, host: Host) -> str:
    """A one-time link, on the host's company host name, to set a password.

    The token is the link's fragment (``/password/set#<token>``): browsers
    never send a fragment, so the token is in no request line and no access
    log; the page's own script puts it into the form, which POSTs it."""
    token = new_token()
    ttl = timedelta(hours=settings().password_link_ttl_hours)
    db.session.add(PasswordLink(host=host, token_hash=token_digest(token),
                                expires_at=utcnow() + ttl))
    db.session.flush()
    return company_url(tenant, f"{PASSWORD_PAGE}#{token}")


def usable_password_link(tenant: Tenant, token: str) -> PasswordLink:
    link = db.session.execute(
        sa.select(PasswordLink).where(PasswordLink.token_hash == token_digest(token))
    ).scalar()
    if (
        link is None or link.used_at is not None or link.expires_at <= utcnow()
        or link.host.company_id != tenant.id or link.host.deleted_at is not None
    ):
        raise NotFound("This link has expired or was already used")
    return link


def set_password_with_link(tenant: Tenant, token: str, password: str) -> Host:
    """Set the password once; the link is spent and the host's API tokens revoked."""
    link = usable_password_link(tenant, token)
    # Conditional UPDATE: of two concurrent submissions only one spends the link.
    spent = db.session.execute(
        sa.update(PasswordLink).where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("This link has expired or was already used")
    set_password(link.host, password)
    return link.host


def set_password(host: Host, password: str, keep_web_session: int | None = None) -> None:
    """The host's new password, however it is set: its API tokens and web
    sessions (but ``keep_web_session``, the one that set it) are revoked,
    every link it still had to set one is spent, and its account no longer
    waits out wrong passwords (LOGIN_BACKOFF)."""
    host.password_hash = hash_password(password)
    revoke_host_tokens(host, keep_web_session)
    LOGIN_BACKOFF.forget(_account(host.company_id, host.email))
    db.session.execute(
        sa.update(PasswordLink).where(PasswordLink.host_id == host.id,
                                      PasswordLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    db.session.flush()
