"""How every enterprise_api endpoint is called: one decorator does the tenant,
the JSON body, the auth_token, the schema, the single commit and the render.
The same table of endpoints feeds the OpenAPI document."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema

from app.api.content_type import require_json_content_type
from app.api.parsing import json_body, load, pop_token, request_tenant
from app.errors import Unauthorized
from app.extensions import db, limiter
from app.modules.access import Actor
from app.modules.hosts.credentials import actor_for_token
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


ENDPOINTS: list[Endpoint] = []


def endpoint(
    path: str, *, summary: str, body: Schema, response: Schema, roles: str,
    authenticated: bool = True, rate_limit: Callable[[], str] | None = None,
) -> Callable[[Callable[[Call], Any]], Callable[[Call], Any]]:
    from app.api.enterprise import bp

    def decorate(view: Callable[[Call], Any]) -> Callable[[Call], Any]:
        @functools.wraps(view)
        def handle() -> Response:
            require_json_content_type()
            tenant = request_tenant()
            raw = json_body()
            token = pop_token(raw)
            if authenticated and not token:
                raise Unauthorized("auth_token is required")
            actor = actor_for_token(token, tenant) if authenticated and token else None
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
        ENDPOINTS.append(Endpoint(path, summary, body, response, authenticated, roles))
        return view

    return decorate
