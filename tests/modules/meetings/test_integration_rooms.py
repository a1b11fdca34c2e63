"""Integration rooms (an API client's own ids) and passes (its join links):
the contract every dialect builds on."""

from __future__ import annotations

from app.extensions import db
from app.modules.meetings import integration
from app.modules.meetings.commands import AS_INTEGRATOR, end
from app.modules.meetings.operations import running_session
from app.modules.meetings.passes import issue_pass
from app.modules.tenants.models import Tenant
from app.protocol.join_token import Role
from tests.modules.meetings.integration import tenant_of


def test_an_id_names_one_room_per_company_and_namespace(company, make_company,
                                                         make_reseller, app):
    other = make_company(make_reseller())  # (committed before this test's session reads)
    with app.app_context():
        _check_one_room_per_id(tenant_of(company), tenant_of(other))


def _check_one_room_per_id(tenant: Tenant, elsewhere: Tenant) -> None:
    room, made = integration.integration_room(tenant, "bbb", "m-1", title="Maths",
                                              meta={"course": "7"})
    again, made_again = integration.integration_room(tenant, "bbb", "m-1", title="ignored")
    other_dialect, _ = integration.integration_room(tenant, "rooms", "m-1")
    assert made and not made_again and again.id == room.id and again.title == "Maths"
    assert other_dialect.id != room.id
    assert integration.find_integration_room(elsewhere, "bbb", "m-1") is None


def test_a_pass_joins_its_participant_and_ending_by_api_ends_it(company, client):
    with client.application.app_context():
        tenant = tenant_of(company)
        room, _ = integration.integration_room(tenant, "bbb", "m-2", title="Physics")
        session = running_session(tenant, room)
        granted = issue_pass(tenant, session, "Ann", Role.MODERATOR, external_user_id="u7")
        session_id, key, url = session.public_id, granted.key, granted.url
        db.session.commit()
    host = {"Host": company["host_name"]}
    assert url.endswith(f"/conf/pass/{key}")
    page = client.get(f"/conf/pass/{key}", headers=host)
    assert page.status_code == 200 and b"Physics" in page.data
    ticket = client.post(f"/api/v1/passes/{key}/join", headers=host)
    assert ticket.status_code == 200, ticket.json
    assert ticket.json["role"] == "moderator" and ticket.json["session_id"] == session_id
    assert client.post("/api/v1/passes/nope/join", headers=host).status_code == 404
    with client.application.app_context():
        end(tenant_of(company), session_id, AS_INTEGRATOR)
        db.session.commit()
    assert client.post(f"/api/v1/passes/{key}/join", headers=host).status_code == 410
    assert client.get(f"/conf/pass/{key}", headers=host).status_code == 410
