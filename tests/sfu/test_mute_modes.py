"""Who may speak (mute modes) and raised hands, between real aiortc peers and
a real node process."""

from __future__ import annotations

import asyncio

from aiortc import MediaStreamTrack

from app.protocol import node_api
from app.protocol import signalling as sig
from app.protocol.join_token import Role
from app.protocol.messages import Message
from tests.sfu.client import NodeClient
from tests.sfu.conftest import control, new_session, run
from tests.sfu.media import ToneAudio

MIC = sig.Source.MICROPHONE
CONVERSATION, PRESENTATION, QA = (sig.MuteMode.CONVERSATION, sig.MuteMode.PRESENTATION,
                                  sig.MuteMode.QA)


async def joined(url: str, token: str,
                 publish: dict[sig.Source, MediaStreamTrack] | None = None) -> NodeClient:
    client = NodeClient(url, token, publish=publish)
    await client.connect()
    await client.wait_for(sig.Joined)
    return client


async def speaker(grant, session: str, participant_id: str, role: Role = Role.ATTENDEE,
                  mute_mode: sig.MuteMode = CONVERSATION) -> NodeClient:
    """A participant publishing a microphone (a tone)."""
    return await joined(*grant(session, role=role, participant_id=participant_id,
                               mute_mode=mute_mode), publish={MIC: ToneAudio()})


async def ok(node, command: Message) -> None:
    answer = await control(node, command)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ok"] is True


async def settled(*clients: NodeClient) -> None:
    """Every message the node sent these clients before now has arrived."""
    for client in clients:
        mark = client.mark()
        await client.send(sig.Ping())
        await client.wait_for(sig.Pong, since=mark)


async def refused_unmute(client: NodeClient, track_id: str) -> sig.Error:
    mark = client.mark()
    await client.send(sig.SetMuted(track_id=track_id, muted=False))
    error = await client.wait_for(sig.Error, since=mark)
    await settled(client)  # refused, and still connected
    return error


def mic_muted(participant_id: str, muted: bool, by: str):
    def where(message: sig.Muted) -> bool:
        return (message.track_id, message.muted, message.by) == \
            (f"{participant_id}:microphone", muted, by)
    return where


def test_in_presentation_mode_an_attendees_microphone_is_muted_and_not_forwarded(node, grant):
    async def scenario() -> None:
        session = new_session()
        host = await speaker(grant, session, "host", Role.MODERATOR, PRESENTATION)
        bob = await joined(*grant(session, participant_id="bob", mute_mode=PRESENTATION))
        ann = await speaker(grant, session, "ann", mute_mode=PRESENTATION)
        try:
            for client, may_speak in ((host, True), (bob, False), (ann, False)):
                first = await client.wait_for(sig.Joined)
                assert (first.mute_mode, first.me.may_speak) == (PRESENTATION, may_speak)
            for client in (ann, host, bob):  # the owner too: its page shows it muted
                await client.wait_for(sig.Muted, mic_muted("ann", True, "moderator"))
            published = await bob.wait_for(sig.TrackPublished,
                                           lambda m: m.track.participant_id == "ann")
            assert published.track.muted

            error = await refused_unmute(ann, "ann:microphone")
            assert error.code == "forbidden"
            assert "presentation mode" in error.message
            assert not bob.seen(sig.Muted, mic_muted("ann", False, "ann"))

            # Only the moderator's audio reaches bob.
            await bob.wait_track("ann", MIC)
            await bob.wait_track("host", MIC)
            host_mid = bob.transceiver_for("host", MIC).mid
            ann_mid = bob.transceiver_for("ann", MIC).mid
            await asyncio.sleep(1.5)
            assert len(bob.received_seqs.get(host_mid or "", [])) > 20
            assert bob.received_seqs.get(ann_mid or "", []) == []

            assert not bob.seen(sig.Muted, lambda m: m.participant_id == "host")
            await host.send(sig.SetMuted(track_id="host:microphone", muted=True))
            await bob.wait_for(sig.Muted, mic_muted("host", True, "host"))
            await host.send(sig.SetMuted(track_id="host:microphone", muted=False))
            await bob.wait_for(sig.Muted, mic_muted("host", False, "host"))
        finally:
            await asyncio.gather(host.close(), bob.close(), ann.close())

    run(scenario())


def test_switching_to_presentation_mutes_attendees_and_back_lets_them_unmute(node, grant):
    async def scenario() -> None:
        session = new_session()
        host = await speaker(grant, session, "host", Role.MODERATOR)
        ann = await speaker(grant, session, "ann")
        try:
            await host.wait_for(sig.TrackPublished, lambda m: m.track.participant_id == "ann")
            marks = {c: c.mark() for c in (host, ann)}
            await ok(node, node_api.SetMuteMode(session_id=session, mode=PRESENTATION))
            for client, mark in marks.items():
                await client.wait_for(sig.MuteModeChanged, lambda m: m.mode is PRESENTATION,
                                      since=mark)
                await client.wait_for(sig.Muted, mic_muted("ann", True, "moderator"),
                                      since=mark)
            assert (await refused_unmute(ann, "ann:microphone")).code == "forbidden"

            await ok(node, node_api.SetMuteMode(session_id=session, mode=PRESENTATION))
            await settled(host)
            assert len(host.seen(sig.MuteModeChanged, since=marks[host])) == 1, \
                "the same mode again is announced again"
            assert not host.seen(sig.Muted, lambda m: m.participant_id == "host")

            mark = ann.mark()
            await ok(node, node_api.SetMuteMode(session_id=session, mode=CONVERSATION))
            await ann.wait_for(sig.MuteModeChanged, lambda m: m.mode is CONVERSATION,
                               since=mark)
            await ann.send(sig.SetMuted(track_id="ann:microphone", muted=False))
            await host.wait_for(sig.Muted, mic_muted("ann", False, "ann"))
        finally:
            await asyncio.gather(host.close(), ann.close())

    run(scenario())


def test_in_qa_mode_a_moderator_lets_an_attendee_speak_and_takes_it_back(node, grant):
    async def scenario() -> None:
        session = new_session()
        host = await joined(*grant(session, role=Role.MODERATOR, participant_id="host",
                                   mute_mode=QA))
        ann = await speaker(grant, session, "ann", mute_mode=QA)
        try:
            await host.wait_for(sig.Muted, mic_muted("ann", True, "moderator"))
            await ann.send(sig.RaiseHand(raised=True))
            for client in (host, ann):
                await client.wait_for(sig.Hand, lambda m: m.participant_id == "ann" and m.raised)

            marks = {c: c.mark() for c in (host, ann)}
            await ok(node, node_api.AllowSpeak(session_id=session, participant_id="ann"))
            for client, mark in marks.items():
                await client.wait_for(sig.Hand, lambda m: not m.raised, since=mark)
                allowed = await client.wait_for(sig.MaySpeak, since=mark)
                assert (allowed.participant_id, allowed.allowed) == ("ann", True)
            await settled(ann)
            assert not ann.seen(sig.Muted, lambda m: not m.muted), "the node unmuted ann"
            await ann.send(sig.SetMuted(track_id="ann:microphone", muted=False))
            await host.wait_for(sig.Muted, mic_muted("ann", False, "ann"))

            marks = {c: c.mark() for c in (host, ann)}
            await ok(node, node_api.AllowSpeak(session_id=session, participant_id="ann",
                                               allowed=False))
            for client, mark in marks.items():
                await client.wait_for(sig.MaySpeak, lambda m: not m.allowed, since=mark)
                await client.wait_for(sig.Muted, mic_muted("ann", True, "moderator"),
                                      since=mark)
            error = await refused_unmute(ann, "ann:microphone")
            assert error.code == "forbidden"
            assert "moderator lets you speak" in error.message

            unknown = await control(node, node_api.AllowSpeak(session_id=session,
                                                              participant_id="nobody"))
            assert (unknown.status_code, unknown.json()["ok"]) == (404, False)
        finally:
            await asyncio.gather(host.close(), ann.close())

    run(scenario())


def test_every_mode_change_clears_who_was_allowed_to_speak(node, grant):
    async def scenario() -> None:
        session = new_session()
        host = await joined(*grant(session, role=Role.MODERATOR, mute_mode=QA))
        ann = await speaker(grant, session, "ann", mute_mode=QA)
        try:
            await ann.wait_for(sig.Muted, mic_muted("ann", True, "moderator"))
            await ok(node, node_api.AllowSpeak(session_id=session, participant_id="ann"))
            await ann.wait_for(sig.MaySpeak)
            await ann.send(sig.SetMuted(track_id="ann:microphone", muted=False))
            await host.wait_for(sig.Muted, mic_muted("ann", False, "ann"))
            # Her own echo too: under load it could land after the mark below.
            await ann.wait_for(sig.Muted, mic_muted("ann", False, "ann"))

            mark = ann.mark()
            await ok(node, node_api.SetMuteMode(session_id=session, mode=CONVERSATION))
            await settled(ann)
            assert [m.mode for m in ann.seen(sig.MuteModeChanged, since=mark)] == [CONVERSATION]
            assert not ann.seen(sig.Muted, since=mark), "conversation muted ann"
            assert not ann.seen(sig.MaySpeak, since=mark)

            mark = ann.mark()
            await ok(node, node_api.SetMuteMode(session_id=session, mode=QA))
            await ann.wait_for(sig.Muted, mic_muted("ann", True, "moderator"), since=mark)
            assert (await refused_unmute(ann, "ann:microphone")).code == "forbidden"
        finally:
            await asyncio.gather(host.close(), ann.close())

    run(scenario())


def test_allowing_to_speak_outside_qa_mode_is_refused(node, grant):
    async def scenario() -> None:
        session = new_session()
        ann = await joined(*grant(session, participant_id="ann"))
        try:
            answer = await control(node, node_api.AllowSpeak(session_id=session,
                                                             participant_id="ann"))
            assert (answer.status_code, answer.json()["ok"]) == (404, False)
            assert "q&a mode" in answer.json()["detail"]
            await settled(ann)
            assert not ann.seen(sig.MaySpeak)
        finally:
            await ann.close()

    run(scenario())


def test_raised_hands_reach_everyone_and_late_joiners_see_who_may_speak(node, grant):
    async def scenario() -> None:
        session = new_session()
        host = await joined(*grant(session, role=Role.MODERATOR, participant_id="host",
                                   mute_mode=QA))
        ann = await joined(*grant(session, participant_id="ann", mute_mode=QA))
        bob = await joined(*grant(session, participant_id="bob", mute_mode=QA))
        recorder = await joined(*grant(session, role=Role.RECORDER, participant_id="rec"))
        carol = None
        try:
            await ann.send(sig.RaiseHand(raised=True))
            for client in (host, ann, bob):
                await client.wait_for(sig.Hand, lambda m: m.participant_id == "ann" and m.raised)
            await ann.send(sig.RaiseHand(raised=True))  # already raised: no news
            await ok(node, node_api.AllowSpeak(session_id=session, participant_id="bob"))
            await bob.wait_for(sig.MaySpeak, lambda m: m.participant_id == "bob")
            error_mark = recorder.mark()
            await recorder.send(sig.RaiseHand(raised=True))
            assert (await recorder.wait_for(sig.Error, since=error_mark)).code == "forbidden"

            # A later token says conversation: the session's mode stays the node's.
            host_mark = host.mark()
            carol = await joined(*grant(session, participant_id="carol"))
            first = await carol.wait_for(sig.Joined)
            assert first.mute_mode is QA
            assert (first.me.hand_raised, first.me.may_speak) == (False, False)
            seen = {p.participant_id: (p.hand_raised, p.may_speak) for p in first.participants}
            assert seen == {"host": (False, True), "ann": (True, False),
                            "bob": (False, True), "carol": (False, False)}
            arrived = await host.wait_for(sig.ParticipantJoined, since=host_mark)
            assert (arrived.participant.participant_id, arrived.participant.may_speak) == \
                ("carol", False)

            await ann.send(sig.RaiseHand(raised=False))
            await carol.wait_for(sig.Hand, lambda m: m.participant_id == "ann" and not m.raised)
            await settled(host)
            hands = [(m.participant_id, m.raised) for m in host.seen(sig.Hand)]
            assert hands == [("ann", True), ("ann", False)]
        finally:
            await asyncio.gather(host.close(), ann.close(), bob.close(), recorder.close(),
                                 *([carol.close()] if carol else []))

    run(scenario())


def test_a_reconnecting_participant_keeps_its_hand_and_its_right_to_speak(node, grant):
    async def scenario() -> None:
        session = new_session()
        host = await joined(*grant(session, role=Role.MODERATOR, mute_mode=QA))
        url, token = grant(session, participant_id="ann", mute_mode=QA)
        clients = [await joined(url, token)]
        try:
            await clients[0].send(sig.RaiseHand(raised=True))
            await host.wait_for(sig.Hand, lambda m: m.raised)
            clients.append(await joined(url, token))
            assert await clients[0].wait_closed() == sig.CloseCode.REPLACED
            me = (await clients[1].wait_for(sig.Joined)).me
            assert (me.hand_raised, me.may_speak) == (True, False)

            await ok(node, node_api.AllowSpeak(session_id=session, participant_id="ann"))
            clients.append(await joined(url, token))
            me = (await clients[2].wait_for(sig.Joined)).me
            assert (me.hand_raised, me.may_speak) == (False, True)
        finally:
            await asyncio.gather(host.close(), *(c.close() for c in clients))

    run(scenario())


def test_a_microphone_muted_before_it_arrives_is_published_muted(node, grant):
    """A page that joins with its microphone off (or reconnects muted) says so
    before its track reaches the node; nothing of it is forwarded."""
    async def scenario() -> None:
        session = new_session()
        bob = await joined(*grant(session, participant_id="bob"))
        ann = NodeClient(*grant(session, participant_id="ann"), publish={MIC: ToneAudio()})
        await ann.connect(join=False)
        try:
            await ann.send(sig.Join(token=ann.token))
            await ann.send(sig.SetMuted(track_id="ann:microphone", muted=True))
            published = await bob.wait_for(sig.TrackPublished,
                                           lambda m: m.track.participant_id == "ann")
            assert published.track.muted
            await bob.wait_for(sig.Muted, mic_muted("ann", True, "ann"))
            assert not ann.seen(sig.Error)
            await bob.wait_track("ann", MIC)
            await asyncio.sleep(1.0)
            assert bob.received_seqs.get(bob.transceiver_for("ann", MIC).mid or "", []) == []
            await ann.send(sig.SetMuted(track_id="ann:microphone", muted=False))
            await bob.wait_for(sig.Muted, mic_muted("ann", False, "ann"))
            error = await refused_unmute(ann, "bob:microphone")  # not one of ann's
            assert error.code == "not_found"
        finally:
            await asyncio.gather(ann.close(), bob.close())

    run(scenario())
