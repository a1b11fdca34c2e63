"""The meeting API has its own OpenAPI document: joining, and every
moderator action a third party may call with a moderator's join token."""

from __future__ import annotations

from openapi_spec_validator import validate

from app.api.meeting.moderation import ACTIONS


def test_the_document_is_valid_and_lists_join_and_every_action(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    expected = {"/api/v1/rooms/{access_code}/join", "/api/v1/sessions/{session_id}/outputs",
                "/api/v1/sessions/{session_id}/lobby"} | {
        f"/api/v1/sessions/{{session_id}}/{action}" for action in ACTIONS}
    assert set(spec["paths"]) == expected
    mute_mode = spec["paths"]["/api/v1/sessions/{session_id}/mute_mode"]["post"]
    body = mute_mode["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["mode"]["enum"] == ["conversation", "presentation", "qa"]
    assert mute_mode["security"] == [{"joinToken": []}]


def test_the_docs_page_renders_it(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.data
