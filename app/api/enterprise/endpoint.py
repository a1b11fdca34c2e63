"""How every enterprise_api endpoint is called: one decorator does the tenant,
the JSON body, the auth_token, the schema, the single commit and the render.
The same table of endpoints feeds the OpenAPI document."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from app.errors import BadRequest, NotFound, Unauthorized, ValidationFailed
from app.extensions import db, limiter
from app.modules.auth.operations import actor_for_token
from app.modules.hosts.access import Actor
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_for_host_name


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


def request_tenant() -> Tenant:
    tenant = company_for_host_name(request.host)
    if tenant is None:
        raise NotFound(f"No company is reached at {request.host.split(':')[0]}")
    return tenant


def json_body() -> dict[str, Any]:
    raw = request.get_data(cache=False)  # honours MAX_CONTENT_LENGTH (413)
    try:
        body = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object")
    return body


def pop_token(body: dict[str, Any]) -> str | None:
    token = body.pop("auth_token", None)
    if token is not None and not isinstance(token, str):
        raise BadRequest("auth_token must be a string")
    if token is None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else None
    return token or None


def load(schema: Schema, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(body)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("Invalid input", errors) from exc


def settings_limit(name: str) -> Callable[[], str]:
    return lambda: getattr(current_app.config["SETTINGS"], name)
