from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.models import ApiToken
from tests.helpers import DEFAULT_PASSWORD


def test_authenticate_returns_a_token_that_is_stored_only_as_a_hash(
    app, api, make_reseller
):
    reseller = make_reseller()
    host_name = reseller["admin_company"]["host_name"]
    response = api("authenticate", host_name, email=reseller["admin"]["email"],
                   password=DEFAULT_PASSWORD)
    assert response.status_code == 200
    token = response.json["auth_token"]
    assert len(token) >= 40
    with app.app_context():
        stored = db.session.execute(sa.select(ApiToken.token_hash)).scalars().all()
    assert token not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


def test_authenticate_accepts_email_in_any_case(api, make_reseller):
    reseller = make_reseller()
    response = api("authenticate", reseller["admin_company"]["host_name"],
                   email=reseller["admin"]["email"].upper(), password=DEFAULT_PASSWORD)
    assert response.status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(api, make_reseller):
    reseller = make_reseller()
    host_name = reseller["admin_company"]["host_name"]
    wrong = api("authenticate", host_name, email=reseller["admin"]["email"], password="nope-nope")
    unknown = api("authenticate", host_name, email="who@example.test", password="nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


def test_authenticate_only_on_the_hosts_own_company_host_name(
    api, make_reseller, make_company, make_host
):
    reseller = make_reseller()
    company = make_company(reseller)
    other = make_company(reseller)
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    assert api("authenticate", company["host_name"], email=admin["email"],
               password=DEFAULT_PASSWORD).status_code == 200
    assert api("authenticate", other["host_name"], email=admin["email"],
               password=DEFAULT_PASSWORD).status_code == 401


def test_token_is_accepted_in_body_and_as_bearer_header(client, api, make_reseller, token_for):
    reseller = make_reseller()
    token = token_for(reseller["admin"])
    host_name = reseller["admin_company"]["host_name"]
    body = {"host_id": reseller["admin"]["id"]}
    assert api("host/get", host_name, token, **body).status_code == 200
    response = client.post("/enterprise_api/host/get", json=body,
                           headers={"Host": host_name, "Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_missing_token_is_401(api, make_reseller):
    reseller = make_reseller()
    response = api("host/get", reseller["admin_company"]["host_name"], host_id=1)
    assert response.status_code == 401
    assert response.json["message"]


def test_logout_revokes_the_token(api, make_reseller, token_for):
    reseller = make_reseller()
    token = token_for(reseller["admin"])
    host_name = reseller["admin_company"]["host_name"]
    assert api("logout", host_name, token).status_code == 200
    assert api("host/get", host_name, token, host_id=reseller["admin"]["id"]).status_code == 401


def test_expired_token_is_401(app, api, make_reseller, token_for):
    reseller = make_reseller()
    token = token_for(reseller["admin"])
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = api("host/get", reseller["admin_company"]["host_name"], token,
                   host_id=reseller["admin"]["id"])
    assert response.status_code == 401


def test_tokens_expire_after_the_configured_lifetime(app, api, make_reseller, settings):
    reseller = make_reseller()
    api("authenticate", reseller["admin_company"]["host_name"], email=reseller["admin"]["email"],
        password=DEFAULT_PASSWORD)
    with app.app_context():
        token = db.session.execute(sa.select(ApiToken)).scalar_one()
        lifetime = token.expires_at - token.created_at
    assert abs(lifetime - timedelta(days=settings.api_token_ttl_days)) < timedelta(seconds=5)


def test_authenticate_is_rate_limited(settings, make_reseller):
    from app.factory import create_app

    limited = create_app(settings.with_(ratelimit_authenticate="3 per minute"))
    reseller = make_reseller()
    client = limited.test_client()
    headers = {"Host": reseller["admin_company"]["host_name"]}
    body = {"email": reseller["admin"]["email"], "password": "wrong-password"}
    codes = [client.post("/enterprise_api/authenticate", json=body, headers=headers).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    last = client.post("/enterprise_api/authenticate", json=body, headers=headers)
    assert last.status_code == 429
    assert last.is_json and "Too many requests" in last.json["message"]


def test_rate_limits_are_shared_through_redis_when_configured(settings, make_reseller):
    """Two web replicas (two apps) with REDIS_URL count one client's calls together."""
    import secrets

    from app.factory import create_app

    shared = settings.with_(redis_url="redis://127.0.0.1:6379/0",
                            ratelimit_authenticate="3 per minute")
    replicas = [create_app(shared).test_client(), create_app(shared).test_client()]
    reseller = make_reseller()
    client_address = f"test-client-{secrets.token_hex(8)}"  # a fresh key in Redis
    headers = {"Host": reseller["admin_company"]["host_name"]}
    body = {"email": reseller["admin"]["email"], "password": "wrong-password"}
    codes = [
        replicas[i % 2].post("/enterprise_api/authenticate", json=body, headers=headers,
                             environ_base={"REMOTE_ADDR": client_address}).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]
