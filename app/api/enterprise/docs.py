"""The OpenAPI 3 document, generated from the endpoint table and its schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api.enterprise import bp
from app.api.enterprise.endpoint import ENDPOINTS, Endpoint

ERROR_STATUSES = {
    "400": "Not JSON, or not a JSON object",
    "401": "Missing, expired or revoked auth_token, or one issued for another reseller",
    "403": "The caller's role does not allow this",
    "404": "Unknown host name, or an object outside the caller's tenant",
    "409": "Duplicate subdomain, custom domain, email or access code",
    "413": "Body larger than the limit",
    "422": "Validation failed; `errors` maps each field to its messages",
    "429": "Rate limit reached",
}


def _schema_name(schema: Any) -> str:
    name = type(schema).__name__
    return name[: -len("Schema")] if name.endswith("Schema") else name


def _body(ep: Endpoint) -> Any:
    if not ep.authenticated:
        return ep.body
    return {"allOf": [ep.body, {
        "type": "object", "required": ["auth_token"],
        "properties": {"auth_token": {"type": "string", "description": "From authenticate"}},
    }]}


@cache
def build_spec() -> dict[str, Any]:
    spec = APISpec(
        title="enterprise_api", version="1", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": (
            "JSON over HTTPS POST on a company's host name. Every call but "
            "authenticate carries `auth_token` in the body (or `Authorization: Bearer`)."
        )},
    )
    spec.components.schema("Error", {
        "type": "object",
        "properties": {"message": {"type": "string"},
                       "errors": {"type": "object", "additionalProperties": True}},
    })
    for ep in ENDPOINTS:
        responses: dict[str, Any] = {
            "200": {"description": "OK", "content": {"application/json": {"schema": ep.response}}}
        }
        for status, why in ERROR_STATUSES.items():
            if status == "401" and not ep.authenticated and ep.path != "authenticate":
                continue
            responses[status] = {"description": why, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        spec.path(path=f"/enterprise_api/{ep.path}", operations={"post": {
            "summary": ep.summary,
            "description": f"Who may call: {ep.roles}.",
            "tags": [ep.path.split("/")[0]],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _body(ep)}}},
            "responses": responses,
        }})
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(build_spec())
