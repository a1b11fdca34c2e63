"""A moderator's join token moderates only while its holder still stands
(issue S, item 2): not after a moderator removed them, not after their host
was deleted, not after the PIN that admitted them changed, and once the token
has expired only while they are in the meeting or within the reconnect window
after they left.

The media node here is a registered address that nobody serves: a request
that passes every check of the web ends in 503 "unreachable" at the node, so
503 is what "allowed" looks like (the node's side is tests/sfu and
tests/web/browser/test_host_controls.py)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.security import join_token_keys
from app.extensions import db
from app.jobs.worker import Worker
from app.modules.access import HostRole
from app.modules.meetings.models import MeetingSession, Participant
from app.protocol.join_token import sign, verify

PIN = "43215678"
ALLOWED = 503  # every check passed; the (unserved) node was next


@pytest.fixture
def meeting(client, make_reseller, make_company, make_host, token_for, beat):
    reseller = make_reseller()
    company = make_company(reseller)
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    host = make_host(company, moderator_pin=PIN)
    beat("node-a")
    headers = {"Host": company["host_name"]}

    def ticket(token=None, **body):
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        answer = client.post(f"/api/v1/rooms/{host['access_code']}/join",
                             json={"display_name": "X", **body}, headers={**headers, **auth})
        assert answer.status_code == 200, answer.json
        return answer.json

    host_token = token_for(host)
    return {"company": company, "host": host, "headers": headers,
            "admin_token": token_for(admin), "admin_host_name": company["host_name"],
            "by_pin": ticket(moderator_pin=PIN), "by_host": ticket(token=host_token),
            "attendee": ticket()}


def moderate(client, meeting, who, action="lock", token=None, **body):
    ticket = meeting[who]
    return client.post(f"/api/v1/sessions/{ticket['session_id']}/{action}", json=body,
                       headers={**meeting["headers"],
                                "Authorization": f"Bearer {token or ticket['token']}"})


def set_participant(app, ticket, **values):
    with app.app_context():
        db.session.execute(sa.update(Participant).where(
            Participant.public_id == ticket["participant_id"]).values(**values))
        db.session.commit()


def aged(app, ticket, seconds):
    """The ticket's token as if signed ``seconds`` ago (expired after 120)."""
    with app.app_context():
        settings = app.config["SETTINGS"]
    private, public = join_token_keys(settings.secret_key, settings.join_token_private_key)
    return sign(verify(ticket["token"], public), private, ttl_seconds=120,
                now=time.time() - seconds)


def test_a_standing_moderator_may_moderate(client, meeting):
    for who in ("by_pin", "by_host"):
        answer = moderate(client, meeting, who)
        assert answer.status_code == ALLOWED, answer.json
        assert "unreachable" in answer.json["message"]


@pytest.mark.parametrize("action", ["lock", "end", "kick"])
def test_a_removed_moderators_token_does_nothing(app, client, meeting, snapshot, action):
    set_participant(app, meeting["by_host"], removed_at=utcnow())
    body = {"participant_id": meeting["attendee"]["participant_id"]} if action == "kick" else {}
    before = snapshot()
    answer = moderate(client, meeting, "by_host", action, **body)
    assert answer.status_code == 403, answer.json
    assert snapshot() == before


def test_a_deleted_hosts_meeting_ends_and_its_moderators_can_do_nothing(
        app, client, api, meeting, beat):
    deleted = api("host/delete", meeting["admin_host_name"], meeting["admin_token"],
                  host_id=meeting["host"]["id"])
    assert deleted.status_code == 200, deleted.json
    for who in ("by_host", "by_pin"):
        for action in ("lock", "end"):
            assert moderate(client, meeting, who, action).status_code == 404
    beat("node-a", leaving=True)  # the node is leaving: nothing to tell it
    with app.app_context():
        assert Worker(app).run_until_idle() >= 1
        session = db.session.execute(sa.select(MeetingSession).where(
            MeetingSession.public_id == meeting["by_host"]["session_id"])).scalar_one()
        assert session.ended_at is not None


def test_a_changed_pin_ends_the_powers_it_gave(client, api, meeting):
    changed = api("host/update", meeting["admin_host_name"], meeting["admin_token"],
                  host_id=meeting["host"]["id"], moderator_pin="87654321")
    assert changed.status_code == 200, changed.json
    answer = moderate(client, meeting, "by_pin", "mute_all")
    assert answer.status_code == 403
    assert "PIN" in answer.json["message"]
    assert moderate(client, meeting, "by_host", "mute_all").status_code == ALLOWED


@pytest.mark.parametrize(("joined", "left", "status"), [
    (None, None, 401),  # never in the meeting
    (600, None, ALLOWED),  # in the meeting for ten minutes
    (600, 5, ALLOWED),  # gone for 5 s: within the reconnect window (30 s)
    (600, 120, 401),  # gone for two minutes
    (600, 300, ALLOWED),  # left, then back (joined after it left)
])
def test_an_expired_token_moderates_only_while_its_holder_is_in_the_meeting(
        app, client, meeting, joined, left, status):
    now = utcnow()
    joined_at = now - timedelta(seconds=joined) if joined else None
    left_at = now - timedelta(seconds=left) if left else None
    if joined == 600 and left == 300:
        joined_at, left_at = now - timedelta(seconds=60), now - timedelta(seconds=300)
    set_participant(app, meeting["by_host"], joined_at=joined_at, left_at=left_at)
    token = aged(app, meeting["by_host"], seconds=3600)  # expired 58 minutes ago
    answer = moderate(client, meeting, "by_host", token=token)
    assert answer.status_code == status, answer.json
