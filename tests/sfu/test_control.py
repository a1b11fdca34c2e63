"""What the web does to a session through a node's signed control API."""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
import pytest

from app.protocol import node_api
from app.protocol import signalling as sig
from app.protocol.join_token import RESUME_CLAIM, Role
from tests.sfu.client import NodeClient
from tests.sfu.conftest import NODE_SECRET, control, new_session, run

CLOSE = sig.CloseCode


async def joined(url: str, token: str) -> NodeClient:
    client = NodeClient(url, token)
    await client.connect()
    await client.wait_for(sig.Joined)
    await client.wait_negotiated()
    return client


def test_a_kicked_participant_is_removed_and_its_token_is_spent(node, grant):
    async def scenario() -> None:
        session = new_session()
        host = await joined(*grant(session, role=Role.MODERATOR, participant_id="host"))
        url, token = grant(session, participant_id="guest")
        guest = await joined(url, token)
        try:
            answer = await control(node, node_api.Kick(session_id=session,
                                                       participant_id="guest"))
            assert answer.status_code == 200
            node_api.verify_signed(NODE_SECRET, answer.content, answer.headers)
            assert answer.json()["ok"] is True
            assert (await guest.wait_for(sig.Kicked)).reason
            assert await guest.wait_closed() == CLOSE.KICKED
            left = await host.wait_for(sig.ParticipantLeft)
            assert (left.participant_id, left.reason) == ("guest", "kicked")
            again = NodeClient(url, token)
            await again.connect()
            assert await again.wait_closed() == CLOSE.WRONG_SESSION
            await again.close()
        finally:
            await asyncio.gather(host.close(), guest.close())

    run(scenario())


def test_ending_closes_everyone_and_refuses_later_joins(node, grant):
    async def scenario() -> None:
        session = new_session()
        clients = [await joined(*grant(session)) for _ in range(2)]
        try:
            answer = await control(node, node_api.EndSession(session_id=session))
            assert answer.status_code == 200
            for client in clients:
                await client.wait_for(sig.Ended)
                assert await client.wait_closed() == CLOSE.SESSION_ENDED
            late = NodeClient(*grant(session))
            await late.connect()
            assert await late.wait_closed() == CLOSE.SESSION_ENDED
            await late.close()
        finally:
            await asyncio.gather(*(c.close() for c in clients))

    run(scenario())


def test_a_locked_session_admits_moderators_and_resuming_participants_only(node, grant):
    async def scenario() -> None:
        session = new_session()
        first = await joined(*grant(session))
        try:
            answer = await control(node, node_api.LockSession(session_id=session, locked=True))
            assert answer.status_code == 200
            assert (await first.wait_for(sig.Locked)).locked
            refused = NodeClient(*grant(session))
            await refused.connect()
            assert await refused.wait_closed() == CLOSE.LOCKED
            await refused.close()
            moderator = await joined(*grant(session, role=Role.MODERATOR))
            await moderator.close()
            # Someone the web vouches was in before (their connection dropped).
            resumed = await joined(*grant(session, extra={RESUME_CLAIM: "1"}))
            await resumed.close()
        finally:
            await first.close()

    run(scenario())


def test_a_session_opened_here_locked_stays_locked(node, grant):
    """The web's token says the session was locked (on a node that died): the
    new node keeps it so."""
    async def scenario() -> None:
        session = new_session()
        moderator = await joined(*grant(session, role=Role.MODERATOR, locked=True))
        try:
            assert (await moderator.wait_for(sig.Joined)).locked
            refused = NodeClient(*grant(session))
            await refused.connect()
            assert await refused.wait_closed() == CLOSE.LOCKED
            await refused.close()
        finally:
            await moderator.close()

    run(scenario())


def test_a_moderator_mute_reaches_everyone(node, grant):
    from tests.sfu.media import ToneAudio

    async def scenario() -> None:
        session = new_session()
        speaker = NodeClient(*grant(session, participant_id="speaker"),
                             publish={sig.Source.MICROPHONE: ToneAudio()})
        await speaker.connect()
        listener = await joined(*grant(session, role=Role.VIEWER))
        try:
            # The track may be published before or after the listener joins.
            await listener.wait_track("speaker", sig.Source.MICROPHONE)
            answer = await control(node, node_api.MuteParticipant(session_id=session,
                                                                  participant_id="speaker"))
            assert answer.status_code == 200
            for client in (speaker, listener):
                muted = await client.wait_for(sig.Muted)
                assert (muted.participant_id, muted.muted, muted.by) == \
                    ("speaker", True, "moderator")
        finally:
            await asyncio.gather(speaker.close(), listener.close())

    run(scenario())


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_control_without_the_node_secret_is_refused_and_changes_nothing(node, grant, secret):
    async def scenario() -> None:
        session = new_session()
        client = await joined(*grant(session))
        try:
            command = node_api.EndSession(session_id=session)
            if secret:
                answer = await control(node, command, secret=secret)
            else:
                async with httpx.AsyncClient() as http:
                    answer = await http.post(node.http + node_api.CONTROL_PATH,
                                             content=command.to_json())
            assert answer.status_code == 401
            await client.send(sig.Ping())
            await client.wait_for(sig.Pong)
        finally:
            await client.close()

    run(scenario())


def test_control_for_an_unknown_session_is_404(node):
    answer = run(control(node, node_api.Kick(session_id="nope", participant_id="x")))
    assert answer.status_code == 404
    assert answer.json()["ok"] is False


def test_a_kick_waits_for_the_clients_close_frame_before_dropping_the_socket(node, grant):
    """The close handshake is complete: after its close frame the node keeps
    the connection until the client answers with its own. (aiohttp's close()
    with a receive() pending in another task drops the socket at once; a
    client still sending then loses the close frame to a reset and sees 1006.)"""
    async def scenario() -> None:
        session = new_session()
        url, token = grant(session, participant_id="ann")
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(url, autoclose=False)
            await ws.send_str(sig.Join(token=token).to_json())
            while not isinstance(sig.FROM_NODE.parse((await ws.receive(timeout=10)).data),
                                 sig.Joined):
                pass
            await asyncio.sleep(0.2)  # past the first offer: the node reads again
            kick = asyncio.create_task(control(node, node_api.Kick(session_id=session,
                                                                   participant_id="ann")))
            frame = await ws.receive(timeout=10)
            while frame.type is aiohttp.WSMsgType.TEXT:  # the kicked notice, ...
                frame = await ws.receive(timeout=10)
            assert (frame.type, frame.data) == (aiohttp.WSMsgType.CLOSE, sig.CloseCode.KICKED)
            # The node waits for our close frame: the connection stays up, and
            # what we still send does no harm (a dropped socket would refuse it).
            await asyncio.sleep(0.3)
            await ws.send_str(sig.Ping().to_json())
            await ws.close()
            assert ws.close_code == sig.CloseCode.KICKED
            assert (await kick).status_code == 200

    run(scenario())
