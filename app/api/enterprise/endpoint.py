"""How every enterprise_api endpoint is called: one decorator does the tenant,
the JSON body, the auth_token (or an OAuth client's access token and its
scope), the schema, the single commit and the render. The same table of
endpoints feeds the OpenAPI document."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema

from app.api.content_type import require_json_content_type
from app.api.parsing import json_body, load, pop_token, request_tenant
from app.errors import Forbidden, Unauthorized
from app.extensions import db, limiter
from app.modules.access import Actor
from app.modules.hosts.credentials import actor_for_token
from app.modules.oauth import operations as oauth
from app.modules.oauth.models import SCOPES
from app.modules.tenants.models import Tenant


@dataclass(frozen=True)
class Call:
    """What a view gets: the tenant, the validated body, and who is calling."""

    tenant: Tenant
    data: dict[str, Any]
    actor: Actor | None
    token: str | None

    @property
    def who(self) -> Actor:
        assert self.actor is not None  # only on authenticated endpoints
        return self.actor


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    body: Schema
    response: Schema
    authenticated: bool
    roles: str
    scope: str | None  # what an OAuth access token needs; None: refused to them


ENDPOINTS: list[Endpoint] = []
# Verbs that only read; every other verb writes (create, update, delete, cancel ...).
READ_VERBS = frozenset({"get", "list"})


class _Derived:
    """``endpoint(scope=...)``'s default: the scope named by the path."""


DERIVED = _Derived()


def derived_scope(path: str) -> str | None:
    """``host/get`` needs ``host:read``, ``host/update`` ``host:write``; a path
    whose object has no scopes (authenticate, reseller/*) is not for OAuth clients."""
    obj, _, verb = path.partition("/")
    scope = f"{obj}:{'read' if verb in READ_VERBS else 'write'}"
    return scope if verb and scope in SCOPES else None


def endpoint(
    path: str, *, summary: str, body: Schema, response: Schema, roles: str,
    authenticated: bool = True, rate_limit: Callable[[], str] | None = None,
    scope: str | _Derived | None = DERIVED,
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    from app.api.enterprise import bp

    needed = derived_scope(path) if isinstance(scope, _Derived) else scope

    def decorate(view: Callable[[Call], Any]) -> Callable[[Call], Any]:
        @functools.wraps(view)
        def handle() -> Response:
            require_json_content_type()
            tenant = request_tenant()
            raw = json_body()
            token = pop_token(raw)
            if authenticated and not token:
                raise Unauthorized("auth_token is required")
            actor = _actor(token, tenant, needed) if authenticated and token else None
            call = Call(tenant=tenant, data=load(body, raw), actor=actor, token=token)
            result = response.dump(view(call))
            if db.session.registry.has():  # (a read served from memory opened none)
                db.session.commit()
            return jsonify(result)

        view_func: Callable[..., Response] = handle
        if rate_limit is not None:
            view_func = limiter.limit(rate_limit)(handle)
        bp.add_url_rule(f"/{path}", endpoint=path.replace("/", "_"), view_func=view_func,
                        methods=["POST"])
        ENDPOINTS.append(Endpoint(path, summary, body, response, authenticated, roles, needed))
        return view

    return decorate


def _actor(token: str, tenant: Tenant, scope: str | None) -> Actor:
    """Who ``token`` stands for: an auth_token's host (the cached look-up), or
    an OAuth client's company (read from the database) if the token's scope
    covers the endpoint (else 403)."""
    if not oauth.is_access_token(token):
        return actor_for_token(token, tenant)
    grant = oauth.grant_for_token(token, tenant)
    if scope is None:
        raise Forbidden("OAuth access tokens cannot call this endpoint")
    if scope not in grant.scopes:
        raise Forbidden(f"This access token lacks the scope {scope}")
    return Actor(caller=grant.caller, tenant=tenant)
