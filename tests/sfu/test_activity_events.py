"""Every node event has its own kind (issue H, item 5): real aiortc clients
in a real node that reports to a fake web; what reaches the web says who
raised a hand, chatted (never what), talked, shared a screen or a camera
and for how long, and how the session's mute mode and outputs changed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from app.protocol import node_api
from app.protocol import signalling as sig
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Role, sign
from app.protocol.node_api import EventKind
from tests.helpers import wait_until
from tests.sfu.client import NodeClient
from tests.sfu.conftest import Keys, NodeProcess, control, new_session, run
from tests.sfu.fake_web import FakeWeb
from tests.sfu.media import CounterVideo, ToneAudio

SECRET_WORDS = "the quarterly numbers are bad"


@pytest.fixture(scope="module")
def web(keys: Keys) -> Iterator[FakeWeb]:
    fake = FakeWeb(keys)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def linked(keys: Keys, web: FakeWeb) -> Iterator[NodeProcess]:
    process = NodeProcess(keys, "node-activity", WEB_URL=web.url, SFU_JOIN_TOKEN_PUBLIC_KEY="",
                          SFU_HEARTBEAT_SECONDS=str(web.interval))
    wait_until(lambda: process.health()["ready"], "the node heard from the web")
    yield process
    process.stop()


async def joined(keys: Keys, node: NodeProcess, session: str, participant_id: str,
                 role: Role = Role.ATTENDEE, publish: dict | None = None) -> NodeClient:
    token = sign(JoinGrant(session_id=session, participant_id=participant_id,
                           display_name=participant_id, role=role,
                           permissions=DEFAULT_PERMISSIONS[role], node_id=node.node_id),
                 keys.private_pem, ttl_seconds=120)
    client = NodeClient(node.ws_url(session), token, publish=publish)
    await client.connect()
    await client.wait_for(sig.Joined)
    return client


def of(web: FakeWeb, session: str, kind: EventKind) -> list[node_api.ParticipantEvent]:
    return [e for e in web.events_of(kind) if e.session_id == session]


def reported(web: FakeWeb, session: str, kind: EventKind, count: int = 1
             ) -> list[node_api.ParticipantEvent]:
    wait_until(lambda: len(of(web, session, kind)) >= count, f"{count} {kind} event(s)")
    return of(web, session, kind)


def seconds(event: node_api.ParticipantEvent) -> float:
    return float(event.data["seconds"])


def test_hands_chats_and_mute_mode_changes_reach_the_web_as_their_own_kinds(keys, linked, web):
    session = new_session()

    async def scenario() -> None:
        host = await joined(keys, linked, session, "host", Role.MODERATOR)
        ann = await joined(keys, linked, session, "ann")
        try:
            await ann.send(sig.RaiseHand(raised=True))
            await host.wait_for(sig.Hand, lambda m: m.raised)
            await ann.send(sig.RaiseHand(raised=True))  # no news: not reported again
            await ann.send(sig.RaiseHand(raised=False))
            await host.wait_for(sig.Hand, lambda m: not m.raised)
            await ann.send(sig.SendChat(text=SECRET_WORDS))
            await host.wait_for(sig.ChatMessage)
            await ann.send(sig.SendChat(text=SECRET_WORDS, to="host"))
            await host.wait_for(sig.ChatMessage, lambda m: m.to == "host")
            await ann.send(sig.SendChat(text=SECRET_WORDS, to="nobody"))  # refused: no count
            await ann.wait_for(sig.Error)
            answer = await control(linked, node_api.SetMuteMode(session_id=session,
                                                                 mode=sig.MuteMode.QA))
            assert answer.status_code == 200, answer.text
            await ann.wait_for(sig.MuteModeChanged)
        finally:
            await asyncio.gather(host.close(), ann.close())

    run(scenario())
    assert [e.participant_id for e in reported(web, session, EventKind.HAND_RAISED)] == ["ann"]
    assert [e.participant_id for e in reported(web, session, EventKind.HAND_LOWERED)] == ["ann"]
    chats = reported(web, session, EventKind.CHAT_SENT, 2)
    assert [(e.participant_id, e.data) for e in chats] == [
        ("ann", {"private": "false"}), ("ann", {"private": "true"})]
    changed = reported(web, session, EventKind.MUTE_MODE_CHANGED)
    assert [(e.participant_id, e.data) for e in changed] == [("", {"mode": "qa"})]
    reported(web, session, EventKind.SESSION_EMPTY)
    sent = [e for e in web.events if e.session_id == session]
    assert not any(SECRET_WORDS in str(e.data) for e in sent), "chat text left the node"
    assert len(of(web, session, EventKind.CHAT_SENT)) == 2
    assert not of(web, session, EventKind.MUTED), "hands are not mutes any more"


def test_screen_share_camera_and_talk_are_reported_with_their_durations(keys, linked, web):
    session = new_session()

    async def scenario() -> None:
        host = await joined(keys, linked, session, "host", Role.MODERATOR)
        ann = await joined(keys, linked, session, "ann", publish={
            sig.Source.MICROPHONE: ToneAudio(), sig.Source.CAMERA: CounterVideo(),
            sig.Source.SCREEN: CounterVideo()})
        try:
            await host.wait_for(sig.TrackPublished, lambda m: m.track.source is sig.Source.CAMERA)
            await host.wait_for(sig.Talking, lambda m: m.talking, timeout=10)
            await ann.send(sig.Publish(source=sig.Source.SCREEN))
            await host.wait_for(sig.TrackPublished, lambda m: m.track.source is sig.Source.SCREEN,
                                timeout=15)
            await asyncio.sleep(1.0)
            await ann.send(sig.Unpublish(track_id="ann:screen"))
            await host.wait_for(sig.TrackUnpublished)
            await ann.send(sig.SetMuted(track_id="ann:microphone", muted=True))  # talk ends
            await ann.send(sig.SetMuted(track_id="ann:camera", muted=True))  # off air
            await host.wait_for(sig.Muted, lambda m: m.track_id == "ann:camera" and m.muted)
            await ann.send(sig.SetMuted(track_id="ann:camera", muted=False))  # on again
            await host.wait_for(sig.Muted, lambda m: m.track_id == "ann:camera" and not m.muted)
            answer = await control(linked, node_api.SetOutputs(
                session_id=session, live=True, recording=False, live_state="live"))
            assert answer.status_code == 200, answer.text
            await ann.wait_for(sig.Outputs)
            started = time.monotonic()
            await ann.send(sig.Leave())  # the camera goes off air with her
            await host.wait_for(sig.ParticipantLeft)
            assert time.monotonic() - started < 10
        finally:
            await asyncio.gather(host.close(), ann.close())

    run(scenario())
    shares = reported(web, session, EventKind.SCREEN_SHARE_STOPPED)
    assert [e.participant_id for e in reported(web, session, EventKind.SCREEN_SHARE_STARTED)] \
        == ["ann"]
    assert len(shares) == 1 and 1.0 <= seconds(shares[0]) < 30
    cameras = reported(web, session, EventKind.CAMERA_STOPPED, 2)
    assert len(reported(web, session, EventKind.CAMERA_STARTED, 2)) == 2
    assert [e.participant_id for e in cameras] == ["ann", "ann"]
    assert seconds(cameras[0]) >= 1.0 and seconds(cameras[1]) >= 0
    talk = reported(web, session, EventKind.TALKING_STOPPED)
    assert [e.participant_id for e in talk] == ["ann"] and 1.0 <= seconds(talk[0]) < 30
    outputs = reported(web, session, EventKind.OUTPUTS_CHANGED)
    assert [(e.participant_id, e.data) for e in outputs] == [("", {
        "live": "true", "recording": "false", "live_state": "live", "recording_state": ""})]
