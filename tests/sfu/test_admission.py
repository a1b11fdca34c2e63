"""Who a node lets in, and what it refuses, with the documented close codes."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from app.protocol import signalling as sig
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Role, sign
from tests.sfu.client import NodeClient
from tests.sfu.conftest import NodeProcess, new_keys, new_session, run

CLOSE = sig.CloseCode


async def closed_with(ws_url: str, token: str, first: str | None = None) -> tuple[int, str]:
    client = NodeClient(ws_url, token)
    await client.connect(join=first is None)
    if first is not None:
        await client.send_raw(first)
    try:
        code = await client.wait_closed()
        assert not any(isinstance(m, sig.Joined) for m in client.messages)
        return code, client.close_reason
    finally:
        await client.close()


@pytest.mark.parametrize(("case", "expected"), [
    ("garbage", CLOSE.UNAUTHORIZED),
    ("expired", CLOSE.UNAUTHORIZED),
    ("forged", CLOSE.UNAUTHORIZED),
    ("other session", CLOSE.WRONG_SESSION),
    ("other node", CLOSE.WRONG_SESSION),
])
def test_a_bad_join_token_is_refused_before_any_media(node, grant, case, expected):
    session = new_session()
    url, _ = grant(session)
    token = {
        "garbage": "not-a-jwt",
        "expired": grant(session, now=time.time() - 600, ttl=60)[1],
        "forged": grant(session, private_pem=new_keys().private_pem)[1],
        "other session": grant(new_session())[1],
        "other node": grant(session, node_id="another-node")[1],
    }[case]
    code, reason = run(closed_with(url, token))
    assert code == expected, reason
    assert reason


@pytest.mark.parametrize("first", ['{"type":"ping"}', "not json", '{"type":"join"}',
                                   '{"type":"join","token":5}',
                                   "[" * 5000 + "]" * 5000])  # deeper than the parser
def test_anything_but_a_join_first_is_a_protocol_error(node, grant, first):
    url, _ = grant(new_session())
    code, _ = run(closed_with(url, "", first=first))
    assert code == CLOSE.PROTOCOL_ERROR


def test_a_silent_client_is_closed_after_the_join_timeout(node, grant):
    url, _ = grant(new_session())

    async def scenario() -> int:
        client = NodeClient(url, "")
        await client.connect(join=False)
        try:
            return await client.wait_closed(timeout=15)
        finally:
            await client.close()

    assert run(scenario()) == CLOSE.JOIN_TIMEOUT


def test_a_viewer_gets_no_publish_slot_and_is_refused_when_it_asks(node, grant):
    async def scenario() -> None:
        client = NodeClient(*grant(new_session(), role=Role.VIEWER))
        await client.connect()
        try:
            joined = await client.wait_for(sig.Joined)
            assert joined.permissions == ["chat_private", "chat_public", "see_all_cameras",
                                          "subscribe"]  # nothing to publish
            offer = await client.wait_for(sig.Offer)
            assert offer.publish_slots == {}
            await client.send(sig.Publish(source=sig.Source.CAMERA))
            error = await client.wait_for(sig.Error)
            assert error.code == "forbidden"
            await client.send(sig.Ping())
            await client.wait_for(sig.Pong)  # still connected
        finally:
            await client.close()

    run(scenario())


def test_participants_see_each_other_come_and_go_and_chat(node, grant):
    async def scenario() -> None:
        session = new_session()
        ann = NodeClient(*grant(session, participant_id="ann", name="Ann"))
        await ann.connect()
        await ann.wait_for(sig.Joined)
        bob = NodeClient(*grant(session, participant_id="bob", name="Bob"))
        await bob.connect()
        try:
            joined = await bob.wait_for(sig.Joined)
            assert [p.display_name for p in joined.participants] == ["Ann", "Bob"]
            seen = await ann.wait_for(sig.ParticipantJoined)
            assert seen.participant.display_name == "Bob"
            await bob.send(sig.SendChat(text="hello Ann"))
            chat = await ann.wait_for(sig.ChatMessage)
            assert (chat.from_id, chat.from_name, chat.text) == ("bob", "Bob", "hello Ann")
            await bob.send(sig.SendChat(text="x" * (sig.MAX_CHAT_LENGTH + 1)))
            assert (await bob.wait_for(sig.Error)).code == "bad_request"
            await bob.send(sig.Leave())
            left = await ann.wait_for(sig.ParticipantLeft)
            assert (left.participant_id, left.reason) == ("bob", "left")
        finally:
            await asyncio.gather(ann.close(), bob.close())

    run(scenario())


def test_talking_is_detected_from_audio_levels_without_decoding(node, grant):
    from tests.sfu.media import ToneAudio

    async def scenario() -> None:
        session = new_session()
        listener = NodeClient(*grant(session, role=Role.VIEWER))
        await listener.connect()
        speaker = NodeClient(*grant(session, participant_id="speaker"),
                             publish={sig.Source.MICROPHONE: ToneAudio()})
        await speaker.connect()
        try:
            talking = await listener.wait_for(sig.Talking, timeout=10)
            assert (talking.participant_id, talking.talking) == ("speaker", True)
            await speaker.send(sig.SetMuted(track_id="speaker:microphone", muted=True))
            muted = await listener.wait_for(sig.Muted)
            assert (muted.participant_id, muted.muted, muted.by) == ("speaker", True, "speaker")
            stopped = await listener.wait_for(sig.Talking, lambda m: not m.talking, timeout=10)
            assert stopped.participant_id == "speaker"
        finally:
            await asyncio.gather(listener.close(), speaker.close())

    run(scenario())


def test_a_full_node_refuses_newcomers_and_keeps_no_room_for_them(keys):
    full = NodeProcess(keys, "full-node", SFU_MAX_PARTICIPANTS="1")

    def grant(session: str) -> tuple[str, str]:
        return full.ws_url(session), sign(JoinGrant(
            session_id=session, participant_id=uuid.uuid4().hex[:12], display_name="T",
            role=Role.ATTENDEE, permissions=DEFAULT_PERMISSIONS[Role.ATTENDEE],
            node_id="full-node"), keys.private_pem)

    async def scenario() -> None:
        first = NodeClient(*grant(new_session()))
        await first.connect()
        await first.wait_for(sig.Joined)
        try:
            code, reason = await closed_with(*grant(new_session()))
            assert (code, reason) == (CLOSE.FULL, "this node is full")
            assert full.health()["load"]["sessions"] == 1  # the refused one left nothing
        finally:
            await first.close()

    try:
        run(scenario())
    finally:
        full.stop()


@pytest.mark.parametrize("candidate", [
    "candidate:1 1 UDP",  # aiortc's parser asserted its length
    "candidate:x y z w v u t s", "candidate:1 1 UDP 1 1.2.3.4 99999 typ host",
    "candidate:1 1 UDP 1 1.2.3.4 9 typo host", "candidate:1 0 UDP 1 1.2.3.4 9 typ host",
])
def test_a_malformed_candidate_is_a_protocol_error_and_the_node_goes_on(node, grant, candidate):
    async def scenario() -> None:
        session = new_session()
        client = NodeClient(*grant(session))
        await client.connect()
        await client.wait_for(sig.Joined)
        await client.wait_negotiated()
        await client.send(sig.Candidate(candidate=candidate, sdp_mid="0"))
        assert await client.wait_closed() == CLOSE.PROTOCOL_ERROR
        error = client.seen(sig.Error)[0]
        assert error.code == "bad_request" and "bad candidate" in error.message
        again = NodeClient(*grant(session))  # the node took no harm
        await again.connect()
        await again.wait_for(sig.Joined)
        await asyncio.gather(client.close(), again.close())

    run(scenario())
