"""A company's BBB URL and shared secret through enterprise_api: company/get
shows them, company/rotate_bbb_secret replaces the secret (the old one then
fails the checksum), company/update restricts the digests."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.modules.access import HostRole
from tests.api.bbb.signing import BbbCaller


@pytest.fixture
def admin(make_reseller: Any, make_company: Any, make_host: Any, token_for: Any) -> dict[str, Any]:
    company = make_company(make_reseller())
    host = make_host(company, role=HostRole.COMPANY_ADMIN)
    return {"company": company, "token": token_for(host)}


def _get(api: Any, admin: dict[str, Any]) -> Any:
    company = admin["company"]
    return api("company/get", company["host_name"], admin["token"], company_id=company["id"])


def test_company_get_shows_the_bbb_url_and_a_secret_that_signs(
        api: Any, client: FlaskClient, admin: dict[str, Any]) -> None:
    got = _get(api, admin)
    assert got.status_code == 200, got.json
    host_name = admin["company"]["host_name"]
    assert got.json["bbb_url"] == f"https://{host_name}/bigbluebutton/api/"
    assert len(got.json["bbb_secret"]) >= 32 and got.json["checksum_algorithms"] == []
    assert _get(api, admin).json["bbb_secret"] == got.json["bbb_secret"]  # made once
    bbb = BbbCaller(client, host_name, got.json["bbb_secret"])
    assert bbb.call("getMeetings").returncode == "SUCCESS"


def test_rotating_the_secret_makes_the_old_one_fail(api: Any, client: FlaskClient,
                                                    admin: dict[str, Any]) -> None:
    company = admin["company"]
    old = _get(api, admin).json["bbb_secret"]
    rotated = api("company/rotate_bbb_secret", company["host_name"], admin["token"],
                  company_id=company["id"])
    assert rotated.status_code == 200, rotated.json
    new = rotated.json["bbb_secret"]
    assert new != old and _get(api, admin).json["bbb_secret"] == new
    assert BbbCaller(client, company["host_name"], old).call("getMeetings").message_key == \
        "checksumError"
    assert BbbCaller(client, company["host_name"], new).call("getMeetings").returncode == \
        "SUCCESS"


def test_a_host_cannot_see_or_rotate_the_secret(api: Any, admin: dict[str, Any],
                                                make_host: Any, token_for: Any) -> None:
    company = admin["company"]
    token = token_for(make_host(company))
    for path in ("company/get", "company/rotate_bbb_secret"):
        answer = api(path, company["host_name"], token, company_id=company["id"])
        assert answer.status_code == 403


def test_another_resellers_company_secret_is_not_found(
        api: Any, admin: dict[str, Any], make_reseller: Any, make_company: Any) -> None:
    theirs = make_company(make_reseller())
    answer = api("company/rotate_bbb_secret", admin["company"]["host_name"], admin["token"],
                 company_id=theirs["id"])
    assert answer.status_code == 404


def test_update_restricts_the_checksum_digests(api: Any, client: FlaskClient,
                                               admin: dict[str, Any]) -> None:
    company = admin["company"]
    updated = api("company/update", company["host_name"], admin["token"],
                  company_id=company["id"], checksum_algorithms=["sha256", "sha512"])
    assert updated.status_code == 200, updated.json
    assert updated.json["checksum_algorithms"] == ["sha256", "sha512"]
    bad = api("company/update", company["host_name"], admin["token"],
              company_id=company["id"], checksum_algorithms=["md5"])
    assert bad.status_code == 422
    bbb = BbbCaller(client, company["host_name"], updated.json["bbb_secret"])
    assert bbb.call("getMeetings", algorithm="sha1").message_key == "checksumError"
    assert bbb.call("getMeetings", algorithm="sha512").returncode == "SUCCESS"
