from __future__ import annotations

from openapi_spec_validator import validate

from app.api.enterprise.endpoint import ENDPOINTS


def test_openapi_document_is_valid_and_lists_every_endpoint(client):
    response = client.get("/enterprise_api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    assert set(spec["paths"]) == {f"/enterprise_api/{e.path}" for e in ENDPOINTS}
    create = spec["paths"]["/enterprise_api/host/create"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["allOf"][0] == {"$ref": "#/components/schemas/HostCreate"}
    host_create = spec["components"]["schemas"]["HostCreate"]
    assert set(host_create["required"]) == {"company_id", "name", "email"}
    assert host_create["additionalProperties"] is False
    assert {"200", "401", "403", "404", "409", "422"} <= set(create["responses"])


def test_docs_page_renders_the_document(client):
    response = client.get("/enterprise_api/docs/")
    assert response.status_code == 200
    assert b"/enterprise_api/openapi.json" in response.data
    assert client.get("/enterprise_api/docs/swagger-ui-bundle.js").status_code == 200
