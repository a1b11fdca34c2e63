"""A room's options as the node enforces them from the join grant (the web
narrows attendees' permissions: app/modules/meetings/room_rules.py): cameras
only from moderators, no publishing of a locked source, chat locks, and a
microphone muted from its start. Real aiortc peers and a real node process."""

from __future__ import annotations

from aiortc import MediaStreamTrack

from app.protocol import signalling as sig
from app.protocol.join_token import DEFAULT_PERMISSIONS, MUTED_CLAIM, Permission, Role
from tests.sfu.client import NodeClient, joined_client
from tests.sfu.conftest import new_session, run
from tests.sfu.media import CounterVideo, ToneAudio

CAMERA, MIC = sig.Source.CAMERA, sig.Source.MICROPHONE
ATTENDEE = DEFAULT_PERMISSIONS[Role.ATTENDEE]


async def joined(grant, session: str, participant_id: str, role: Role = Role.ATTENDEE,
                 without: frozenset[Permission] = frozenset(),
                 publish: dict[sig.Source, MediaStreamTrack] | None = None,
                 extra: dict[str, str] | None = None) -> NodeClient:
    url, token = grant(session, role=role, participant_id=participant_id,
                       permissions=DEFAULT_PERMISSIONS[role] - without, extra=extra)
    return await joined_client(url, token, publish=publish)


async def settled(*clients: NodeClient) -> None:
    """Every message the node sent these clients before now has arrived."""
    for client in clients:
        mark = client.mark()
        await client.send(sig.Ping())
        await client.wait_for(sig.Pong, since=mark)


def forwarded(client: NodeClient, participant_id: str, source: sig.Source) -> bool:
    return any((info.participant_id, info.source) == (participant_id, source)
               for info in client.tracks.values())


def test_without_see_all_cameras_an_attendee_receives_only_moderators_cameras(node, grant):
    async def scenario() -> None:
        session = new_session()
        mo = await joined(grant, session, "mo", Role.MODERATOR, publish={CAMERA: CounterVideo()})
        bob = await joined(grant, session, "bob", without=frozenset({Permission.SEE_ALL_CAMERAS}))
        ann = await joined(grant, session, "ann",
                           publish={CAMERA: CounterVideo(), MIC: ToneAudio()})
        watcher = await joined(grant, session, "max", Role.MODERATOR)
        clients = (mo, bob, ann, watcher)
        try:
            await watcher.wait_track("ann", CAMERA)  # ann's camera is forwarded...
            await bob.wait_track("mo", CAMERA)  # ...bob gets the moderator's
            await bob.wait_track("ann", MIC)  # and ann's voice, not her camera
            await settled(*clients)
            assert not forwarded(bob, "ann", CAMERA)
            assert forwarded(mo, "ann", CAMERA)
        finally:
            for client in clients:
                await client.close()

    run(scenario())


def test_a_locked_camera_and_microphone_get_no_publish_slot_and_publishing_is_refused(
        node, grant):
    async def scenario() -> None:
        session = new_session()
        mo = await joined(grant, session, "mo", Role.MODERATOR)
        ann = await joined(grant, session, "ann", publish={CAMERA: CounterVideo(),
                                                           MIC: ToneAudio()},
                           without=frozenset({Permission.PUBLISH_VIDEO,
                                              Permission.PUBLISH_AUDIO}))
        try:
            offer = await ann.wait_for(sig.Offer)
            assert offer.publish_slots == {}
            mark = ann.mark()
            await ann.send(sig.Publish(source=CAMERA))
            error = await ann.wait_for(sig.Error, since=mark)
            assert error.code == "forbidden" and "camera" in error.message
            await settled(mo, ann)
            assert not mo.seen(sig.TrackPublished, lambda m: m.track.participant_id == "ann")
        finally:
            await mo.close()
            await ann.close()

    run(scenario())


def test_chat_locks_refuse_public_and_private_messages_but_not_to_a_moderator(node, grant):
    async def scenario() -> None:
        session = new_session()
        mo = await joined(grant, session, "mo", Role.MODERATOR)
        bob = await joined(grant, session, "bob")
        ann = await joined(grant, session, "ann", without=frozenset(
            {Permission.CHAT_PUBLIC, Permission.CHAT_PRIVATE}))
        try:
            for text, to, refusal in (("hello all", None, "public chat"),
                                      ("psst bob", "bob", "private chat")):
                mark = ann.mark()
                await ann.send(sig.SendChat(text=text, to=to))
                error = await ann.wait_for(sig.Error, since=mark)
                assert error.code == "forbidden" and refusal in error.message
            await ann.send(sig.SendChat(text="a question", to="mo"))
            await mo.wait_for(sig.ChatMessage, lambda m: m.text == "a question")
            await bob.send(sig.SendChat(text="bob may"))
            await ann.wait_for(sig.ChatMessage, lambda m: m.text == "bob may")
            await settled(mo, bob, ann)
            texts = [m.text for m in mo.seen(sig.ChatMessage) + bob.seen(sig.ChatMessage)]
            assert "hello all" not in texts and "psst bob" not in texts
        finally:
            for client in (mo, bob, ann):
                await client.close()

    run(scenario())


def test_a_microphone_muted_on_start_reaches_nobody_until_its_owner_unmutes(node, grant):
    async def scenario() -> None:
        session = new_session()
        mo = await joined(grant, session, "mo", Role.MODERATOR)
        ann = await joined(grant, session, "ann", publish={MIC: ToneAudio()},
                           extra={MUTED_CLAIM: "1"})
        try:
            published = await mo.wait_for(sig.TrackPublished,
                                          lambda m: m.track.participant_id == "ann")
            assert published.track.muted
            # Muted on start, not silenced: the owner may unmute.
            await ann.send(sig.SetMuted(track_id="ann:microphone", muted=False))
            await mo.wait_for(sig.Muted, lambda m: m.track_id == "ann:microphone"
                              and not m.muted and m.by == "ann")
        finally:
            await mo.close()
            await ann.close()

    run(scenario())
