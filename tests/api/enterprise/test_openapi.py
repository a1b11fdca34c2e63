"""The enterprise_api's OpenAPI document is valid, and usable: a request built
from it alone, as a generated client or a fuzzer would build one, is accepted."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openapi_spec_validator import validate

from app.api.enterprise.endpoint import ENDPOINTS
from app.modules.access import HostRole
from tests.helpers import DEFAULT_PASSWORD
from tests.recordings import add_recording
from tests.webhooks import add_delivery

_unique = itertools.count()


def test_openapi_document_is_valid_and_lists_every_endpoint(client):
    response = client.get("/enterprise_api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    assert set(spec["paths"]) == {f"/enterprise_api/{e.path}" for e in ENDPOINTS}
    create = spec["paths"]["/enterprise_api/host/create"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"company_id", "name", "email", "auth_token"}
    assert body["additionalProperties"] is False
    assert "auth_token" in body["properties"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(create["responses"])


def test_every_property_has_a_type(client):
    """No empty schema ({}): a generator cannot fill one."""
    spec = client.get("/enterprise_api/openapi.json").json
    for name, schema in _all_properties(spec):
        assert schema.get("type") or schema.get("$ref") or schema.get("allOf"), name


def test_docs_page_renders_the_document(client):
    response = client.get("/enterprise_api/docs/")
    assert response.status_code == 200
    assert b"/enterprise_api/openapi.json" in response.data
    assert client.get("/enterprise_api/docs/swagger-ui-bundle.js").status_code == 200


def test_the_api_root_answers_an_index(client, make_reseller):
    reseller = make_reseller()
    response = client.get("/enterprise_api/",
                          headers={"Host": reseller["admin_company"]["host_name"]})
    assert response.status_code == 200
    assert response.json["openapi"].endswith("/enterprise_api/openapi.json")
    assert response.json["docs"].endswith("/enterprise_api/docs/")
    assert "/enterprise_api/host/create" in response.json["endpoints"]


@pytest.mark.parametrize("path", [e.path for e in ENDPOINTS if e.path != "logout"])
def test_a_request_generated_from_the_document_is_accepted(
        path, app, client, make_reseller, make_company, make_host, token_for):
    """Every required property filled from its schema alone (type, pattern,
    enum, bounds); ids are the only values the test supplies, since no
    document can know them."""
    spec = client.get("/enterprise_api/openapi.json").json
    reseller = make_reseller()
    company = make_company(reseller)
    host = make_host(company)
    admin = reseller["admin"]
    ids = {"company_id": company["id"], "host_id": host["id"]}
    if path.startswith("oauth_client/"):
        ids["client_id"] = _oauth_client(client, reseller, company, token_for(admin))
    if path.startswith("recording/"):  # no document knows a recording's id
        ids["recording_id"] = add_recording(app, host)
    if path.startswith("webhook/"):  # nor a webhook's, nor a delivery's
        ids["webhook_id"], ids["delivery_id"] = add_delivery(app, client, reseller, company,
                                                             token_for(admin))
    if path.startswith("apikey/"):  # nor an API key's
        ids["api_key_id"] = client.post(
            "/enterprise_api/apikey/create", headers={"Host": company["host_name"]},
            json={"auth_token": token_for(admin), "company_id": company["id"],
                  "name": "X"}).json["id"]
    operation = spec["paths"][f"/enterprise_api/{path}"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    body = _example(spec, schema, ids)
    if "auth_token" in body:
        body["auth_token"] = token_for(admin)
    if path == "authenticate":
        body.update(email=admin["email"], password=DEFAULT_PASSWORD)
    if path == "host/create":
        body["role"] = HostRole.HOST.value  # the one enum value a company's host may have
    if path.startswith("conference/"):  # no document knows a future time, or a conference
        body.update(_conference_values(client, reseller, host, body["auth_token"], body))
    response = client.post(f"/enterprise_api/{path}", json=body,
                           headers={"Host": reseller["admin_company"]["host_name"]})
    assert response.status_code == 200, (body, response.json)


def _oauth_client(client, reseller, company, token) -> str:
    made = client.post("/enterprise_api/oauth_client/create",
                       headers={"Host": reseller["admin_company"]["host_name"]},
                       json={"auth_token": token, "company_id": company["id"], "name": "X",
                             "scopes": ["host:read"]})
    return str(made.json["client_id"])


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(spec, schema["allOf"][0])
    return schema


def _example(spec: dict[str, Any], schema: dict[str, Any], ids: dict[str, int]) -> Any:
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if kind == "object":
        return {name: ids.get(name) or _example(spec, prop, ids)
                for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "boolean":
        return True
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "array":  # as few items as it takes
        return [_example(spec, schema["items"], ids)] * schema.get("minItems", 0)
    assert kind == "string", schema
    return _string(schema)


def _string(schema: dict[str, Any]) -> str:
    n = next(_unique)
    if schema.get("format") == "email":
        return f"generated{n}@example.test"
    if schema.get("format") == "uri":
        return f"https://generated{n}.example.test/hook"
    pattern = schema.get("pattern", "")
    digits = re.fullmatch(r"\^\[0-9\]\{(\d+),(\d+)\}\$", pattern)
    if digits:
        return str(10 ** (int(digits[1]) - 1) + n)
    if pattern:  # a DNS label or a host name
        return f"generated{n}"
    return "x" * max(schema.get("minLength", 1), 8)


def _all_properties(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, schema in spec["components"]["schemas"].items():
        found += [(f"{name}.{p}", s) for p, s in schema.get("properties", {}).items()]
    for path, item in spec["paths"].items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        found += [(f"{path}.{p}", s) for p, s in body.get("properties", {}).items()]
    return found


def _conference_values(client, reseller, host, token, body) -> dict[str, Any]:
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    values: dict[str, Any] = {"start": future, "time_zone": "UTC"} if "start" in body else {}
    if "conference_id" in body:
        made = client.post("/enterprise_api/conference/create",
                           headers={"Host": reseller["admin_company"]["host_name"]},
                           json={"auth_token": token, "host_id": host["id"], "subject": "S",
                                 "duration": 30, **values, "start": future, "time_zone": "UTC"})
        values["conference_id"] = made.json["conference_id"]
    return values
