"""Rooms cannot be enumerated (issue S, item 6): addresses that name no room
are limited per client, on the meeting page and the join API together;
generated access codes are long; and a code that clashes is refused with
one answer, whoever's it is, that does not confirm it is taken."""

from __future__ import annotations

import pytest

from app.modules.access import HostRole


@pytest.fixture
def company(make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    return {**company, "code": make_host(company)["access_code"]}


def _page(client, company, code, address="198.51.100.1"):
    return client.get(f"/conf/call/{code}", headers={"Host": company["host_name"]},
                      environ_base={"REMOTE_ADDR": address})


def _join(client, company, code, address="198.51.100.1"):
    return client.post(f"/api/v1/rooms/{code}/join", json={"display_name": "Eve"},
                       headers={"Host": company["host_name"]},
                       environ_base={"REMOTE_ADDR": address})


def test_addresses_that_name_no_room_are_limited_per_client(app_with, company, beat):
    beat("node-a")
    client = app_with(ratelimit_not_found="4 per minute").test_client()
    assert [_page(client, company, f"1000000{n}").status_code for n in range(2)] == [404, 404]
    assert [_join(client, company, f"2000000{n}").status_code for n in range(2)] == [404, 404]
    # spent: every room address answers alike now, a real one too
    for answer in (_page(client, company, "30000000"), _page(client, company, company["code"]),
                   _join(client, company, company["code"])):
        assert answer.status_code == 429 and answer.headers["Retry-After"]
    # another client is not held up
    assert _page(client, company, company["code"], address="192.0.2.9").status_code == 200
    assert _join(client, company, "40000000", address="192.0.2.9").status_code == 404


def test_rooms_that_exist_are_not_counted(app_with, company):
    client = app_with(ratelimit_not_found="2 per minute").test_client()
    for _ in range(5):
        assert _page(client, company, company["code"]).status_code == 200


def test_generated_access_codes_have_10_digits(api, make_reseller, token_for):
    reseller = make_reseller()
    answer = api("host/create", reseller["admin_company"]["host_name"],
                 token_for(reseller["admin"]), company_id=reseller["admin_company"]["id"],
                 name="N", email="n@example.test")
    assert answer.status_code == 200, answer.json
    code = answer.json["access_code"]["number"]
    assert code.isdigit() and len(code) == 10 and code[0] != "0"


def test_a_clashing_access_code_gets_one_answer_whoevers_it_is(
        api, make_reseller, make_company, make_host, token_for, snapshot):
    reseller = make_reseller()
    mine, theirs = make_company(reseller), make_company(reseller)
    admin = make_host(mine, HostRole.COMPANY_ADMIN)
    colleague, stranger = make_host(mine), make_host(theirs)
    target = make_host(mine)
    token = token_for(admin)
    before = snapshot()
    answers = []
    for code in (colleague["access_code"], stranger["access_code"]):
        for path, body in (("host/update", {"host_id": target["id"]}),
                           ("host/create", {"company_id": mine["id"], "name": "N",
                                            "email": "new@example.test"})):
            answer = api(path, mine["host_name"], token, access_code=code, **body)
            assert answer.status_code == 409, answer.json
            answers.append(answer.json)
    assert all(answer == answers[0] for answer in answers), answers
    assert "taken" not in str(answers[0]).lower() and "in use" not in str(answers[0]).lower()
    assert answers[0]["errors"] == {"access_code": ["Choose another access code."]}
    assert snapshot() == before
