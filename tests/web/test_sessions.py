"""Cookie sessions (app/web/sessions.py) behave as Flask's own, though a
request without the cookie skips building the serializer."""

from __future__ import annotations

from flask import session

from app.factory import create_app


def test_a_session_is_signed_kept_and_refused_when_tampered_with(settings):
    app = create_app(settings)

    @app.post("/session-test")
    def remember() -> dict[str, object]:
        session["seen"] = session.get("seen", 0) + 1
        return {"seen": session["seen"]}

    client = app.test_client()
    assert [client.post("/session-test").json["seen"] for _ in range(3)] == [1, 2, 3]
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value[:-2] + "xx")  # a forged signature
    assert client.post("/session-test").json["seen"] == 1


def test_a_request_without_the_cookie_sets_none(app, api, make_reseller, token_for):
    reseller = make_reseller()
    response = api("host/get", reseller["admin_company"]["host_name"],
                   token_for(reseller["admin"]), host_id=reseller["admin"]["id"])
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
