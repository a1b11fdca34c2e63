"""What every JSON dialect does first with a request: find its tenant, read
its JSON object body and bearer token, validate with a schema. Errors are
domain errors; each dialect renders them its own way."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from app.core.inputs import MAX_JSON_DEPTH, check_json_values
from app.errors import BadRequest, NotFound, ValidationFailed
from app.extensions import settings
from app.modules.hosts.resolvers import tenant_at
from app.modules.hosts.web_sessions import HOST_SESSION_COOKIE, HostSession, host_session
from app.modules.tenants.models import Tenant


def request_tenant() -> Tenant:
    tenant = tenant_at(request.host)
    if tenant is None:
        raise NotFound(f"No company is reached at {request.host.split(':')[0]}")
    return tenant


def json_body() -> dict[str, Any]:
    """The request's body, a JSON object, checked once for what no field of
    ours can take: nesting deeper than MAX_JSON_DEPTH, integers beyond 64 bits,
    and strings (keys too) with a NUL or a lone surrogate (PostgreSQL refuses
    the first, UTF-8 the second). Each is a 400 here instead of an error deep
    in an operation."""
    raw = request.get_data(cache=False)  # honours MAX_CONTENT_LENGTH (413)
    try:
        body = json.loads(raw) if raw.strip() else None
    except RecursionError as exc:
        raise BadRequest(f"The body nests deeper than {MAX_JSON_DEPTH} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object")
    check_json_values(body)
    return body


def pop_token(body: dict[str, Any], field: str = "auth_token") -> str | None:
    """The token in ``body[field]`` (taken out of it), else the bearer token."""
    token = body.pop(field, None)
    if token is not None and not isinstance(token, str):
        raise BadRequest(f"{field} must be a string")
    if token is None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else None
    return token or None


def cookie_host_session(tenant: Tenant) -> HostSession | None:
    """The host's web session the request's cookie names on ``tenant``
    (/auth, /login), if live. Only JSON endpoints read it: a JSON request
    from another site needs a CORS preflight that is never granted, so no
    site can use a host's cookie here."""
    token = request.cookies.get(HOST_SESSION_COOKIE)
    return host_session(tenant, token) if token else None


def load(schema: Schema, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(body)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed("Invalid input", errors) from exc


def settings_limit(name: str) -> Callable[[], str]:
    """A rate limit read from the settings when a request comes."""
    return lambda: str(getattr(settings(), name))
