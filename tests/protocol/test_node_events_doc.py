"""docs/signalling.md's table of node events lists exactly the kinds
node_api.EventKind defines, with the data keys the node sends (checked against
the node's code, app/sfu, where each kind is reported)."""

from __future__ import annotations

import json
import re

import pytest

from app.protocol.messages import ProtocolError
from app.protocol.node_api import TO_WEB, EventKind, NodeEvents
from tests.helpers import REPO_ROOT
from tests.protocol.test_signalling_doc import names, table_under

SFU = REPO_ROOT / "app" / "sfu"


def documented() -> dict[str, list[str]]:
    return {names(row[0])[0]: names(row[1]) for row in table_under("What the node tells the web")}


def test_every_event_kind_is_documented_and_nothing_else():
    assert sorted(documented()) == sorted(kind.value for kind in EventKind)


def test_the_documented_data_keys_are_those_the_node_sends():
    """Each kind's report(...) keyword arguments in app/sfu are its data keys."""
    source = "\n".join(p.read_text() for p in SFU.glob("*.py"))
    for kind, keys in documented().items():
        sent = set()
        for call in re.finditer(rf"EventKind\.{kind.upper()}\b([^)]*)\)", source):
            sent |= set(re.findall(r"(\w+)=", call.group(1)))
        assert sent - {"seconds"} <= set(keys), f"{kind}: sent {sent}, documented {keys}"


@pytest.mark.parametrize("kind", ["hand", "chat_message", "", "JOINED"])
def test_the_web_refuses_a_kind_it_does_not_know(kind):
    body = json.dumps({"type": "node_events", "node_id": "n", "events": [
        {"kind": kind, "session_id": "s", "participant_id": "p", "at": 1.0, "data": {}}]})
    with pytest.raises(ProtocolError):
        TO_WEB.parse(body)
    assert isinstance(TO_WEB.parse(body.replace(f'"{kind}"', '"chat_sent"')), NodeEvents)
