"""The enterprise_api's OpenAPI 3 document, generated from the endpoint table
and its schemas, and the index at /enterprise_api/."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api.enterprise import bp
from app.api.enterprise.endpoint import ENDPOINTS
from app.api.enterprise.schemas import PIN_DIGITS, Digits, NumberDocument
from app.api.openapi import body_schema, error_responses, new_spec
from app.api.parsing import request_tenant
from app.modules.tenants.operations import company_url

ERROR_STATUSES = {
    "400": "Not JSON, or not a JSON object",
    "401": "Missing, expired or revoked auth_token, or one issued for another reseller",
    "403": "The caller's role does not allow this",
    "404": "Unknown host name, or an object outside the caller's tenant",
    "409": "Duplicate subdomain, custom domain, email or access code",
    "413": "Body larger than the limit",
    "415": "Content-Type is not application/json",
    "422": "Validation failed; `errors` maps each field to its messages",
    "429": "Rate limit reached",
}
CUSTOM_FIELDS: dict[Any, Any] = {
    Digits: lambda field: {
        "type": "string", "pattern": f"^[0-9]{{{field.min_length},{field.max_length}}}$",
        "description": "Digits; a JSON number is accepted too"},
    NumberDocument: lambda field: {
        "type": "object", "required": ["number"],
        "properties": {"number": {"type": "string",
                                  "pattern": f"^[0-9]{{{PIN_DIGITS[0]},{PIN_DIGITS[1]}}}$"}}},
}


@cache
def build_spec() -> dict[str, Any]:
    spec = new_spec("enterprise_api", (
        "JSON over HTTPS POST on a company's host name. Every call but "
        "authenticate carries `auth_token` in the body (or `Authorization: Bearer`), "
        "or an OAuth client's access token from `POST /oauth/token` as `Authorization: "
        "Bearer`, which needs the scope an endpoint names."),
        CUSTOM_FIELDS)
    for ep in ENDPOINTS:
        extra = {"auth_token": "From authenticate"} if ep.authenticated else None
        statuses = {status: why for status, why in ERROR_STATUSES.items()
                    if status != "401" or ep.authenticated or ep.path == "authenticate"}
        spec.path(path=f"/enterprise_api/{ep.path}", operations={"post": {
            "operationId": ep.path.replace("/", "_"),
            "summary": ep.summary,
            "description": f"Who may call: {ep.roles}. " + (
                f"OAuth scope: `{ep.scope}`." if ep.scope else "Not for OAuth access tokens."),
            "tags": [ep.path.split("/")[0]],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": body_schema(spec, ep.body, extra)}}},
            "responses": {"200": {"description": "OK", "content": {
                "application/json": {"schema": ep.response}}}, **error_responses(statuses)},
        }})
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(build_spec())


@bp.get("/")
def index() -> ResponseReturnValue:
    """What a person who opens the API's URL needs: where the reference is."""
    tenant = request_tenant()
    return jsonify({
        "name": "enterprise_api",
        "usage": "POST /enterprise_api/<object>/<verb> with a JSON object body; "
                 "start with authenticate.",
        "docs": company_url(tenant, "/enterprise_api/docs/"),
        "openapi": company_url(tenant, "/enterprise_api/openapi.json"),
        "endpoints": [f"/enterprise_api/{ep.path}" for ep in ENDPOINTS],
    })
