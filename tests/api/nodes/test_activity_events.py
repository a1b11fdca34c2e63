"""The node's activity kinds over the signed events endpoint: counted per
participant; a batch with a kind the web does not know is refused whole."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa

from app.extensions import db
from app.modules.meetings.models import Participant, ParticipantActivity
from app.protocol import node_api
from tests.api.nodes.test_events import ticket  # noqa: F401 (a fixture)

INTERNAL = {"Host": "127.0.0.1:5000"}


def post(client, settings, person: dict, *events: tuple[str, dict[str, str]]):
    """Events of ``person`` with these kinds (as the node spells them, known here
    or not) and data, signed as the node signs them."""
    body = json.dumps({"type": "node_events", "node_id": "node-a", "events": [
        {"kind": kind, "session_id": person["session_id"],
         "participant_id": person["participant_id"], "at": time.time(), "data": data}
        for kind, data in events]}).encode()
    headers = node_api.signed_headers(settings.media_node_secret, body)
    return client.post(node_api.EVENTS_PATH, data=body, headers={**headers, **INTERNAL})


def activity(app, person: dict) -> tuple[float, int, int] | None:
    with app.app_context():
        row = db.session.execute(
            sa.select(ParticipantActivity.talk_seconds, ParticipantActivity.chats,
                      ParticipantActivity.hands_raised)
            .join(Participant, Participant.id == ParticipantActivity.participant_id)
            .where(Participant.public_id == person["participant_id"])).one_or_none()
        return None if row is None else tuple(row)  # type: ignore[return-value]


def test_signed_activity_events_add_up_per_participant(app, client, settings, ticket):  # noqa: F811
    answer = post(client, settings, ticket, ("chat_sent", {"private": "false"}),
                  ("talking_stopped", {"seconds": "2.5"}), ("hand_raised", {}),
                  ("chat_sent", {"private": "true"}), ("hand_lowered", {}))
    assert answer.status_code == 200, answer.json
    assert activity(app, ticket) == (2.5, 2, 1)


def test_a_batch_with_an_unknown_kind_is_400_and_changes_nothing(app, client, settings,
                                                                 ticket, snapshot):  # noqa: F811
    before = snapshot()
    answer = post(client, settings, ticket, ("chat_sent", {"private": "false"}),
                  ("emoji", {}))
    assert answer.status_code == 400
    assert "emoji" in answer.json["message"]
    assert snapshot() == before
    assert activity(app, ticket) is None
