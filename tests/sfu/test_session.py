"""A node's sessions in this process: one handler per control command, and
no task left behind once the participants are gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiortc import MediaStreamTrack

from app.protocol import node_api
from app.protocol import signalling as sig
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Role, sign
from app.sfu.commands import carry_out
from app.sfu.config import NodeSettings
from app.sfu.node import Node
from app.sfu.server import build_app
from tests.helpers import free_port
from tests.sfu.client import NodeClient
from tests.sfu.conftest import Keys, new_session, run
from tests.sfu.media import CounterVideo, ToneAudio

CAMERA, MICROPHONE = sig.Source.CAMERA, sig.Source.MICROPHONE


def test_every_control_command_has_its_own_handler_on_the_session():
    dispatcher = carry_out
    fallback = dispatcher.dispatch(node_api.ControlCommand)
    commands = node_api.ControlCommand.__subclasses__()
    assert commands
    for command in commands:
        assert node_api.TO_NODE.parse(_example(command).to_json()) == _example(command)
        assert dispatcher.dispatch(command) is not fallback, f"no handler for {command}"


def _example(command: type[node_api.ControlCommand]) -> node_api.ControlCommand:
    fields = {"participant_id": "p", "locked": True, "mode": sig.MuteMode.QA, "live": True,
              "recording": False, "kind": "chat", "content": "hello", "from_id": "p",
              "from_name": "Ann"}
    names = command.__dataclass_fields__
    return command(session_id="s", **{k: v for k, v in fields.items() if k in names})


@asynccontextmanager
async def node_here(keys: Keys) -> AsyncIterator[Node]:
    """A node served from this test's event loop, where its tasks can be seen."""
    settings = NodeSettings(port=free_port(), join_token_public_key=keys.public_pem,
                            node_id="node-here", ice_addresses=("127.0.0.1",)).completed()
    node = Node(settings)
    runner = web.AppRunner(build_app(node), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port).start()
    try:
        yield node
    finally:
        await node.stop()
        await runner.cleanup()


def test_no_task_outlives_the_session(keys):
    """A publisher and a subscriber with media, a kick, a mute, an unmute
    and an end: afterwards only this test's own task runs."""
    async def scenario() -> None:
        before = asyncio.all_tasks()
        async with node_here(keys) as node:
            session_id = new_session()

            def client(participant_id: str, role: Role,
                       publish: dict[sig.Source, MediaStreamTrack] | None = None) -> NodeClient:
                token = sign(JoinGrant(session_id=session_id, participant_id=participant_id,
                                       display_name=participant_id, role=role,
                                       permissions=DEFAULT_PERMISSIONS[role], node_id="node-here"),
                             keys.private_pem, ttl_seconds=120)
                url = f"ws://127.0.0.1:{node.settings.port}/sessions/{session_id}/ws"
                return NodeClient(url, token, publish)

            pub = client("pub", Role.MODERATOR, publish={CAMERA: CounterVideo(),
                                                         MICROPHONE: ToneAudio()})
            sub, guest = client("sub", Role.VIEWER), client("guest", Role.ATTENDEE)
            clients = [pub, sub, guest]
            try:
                for each in clients:
                    await each.connect()
                    await each.wait_for(sig.Joined)
                await asyncio.wait_for((await sub.wait_track("pub", CAMERA)).recv(), 10)
                session = node.sessions[session_id]
                assert await session.carry_out(node_api.Kick(session_id=session_id,
                                                             participant_id="guest"))
                assert await guest.wait_closed() == sig.CloseCode.KICKED
                await pub.send(sig.SetMuted(track_id="pub:camera", muted=True))
                await pub.send(sig.SetMuted(track_id="pub:camera", muted=False))
                await sub.wait_for(sig.Muted, lambda m: not m.muted)
                assert await session.carry_out(node_api.EndSession(session_id=session_id))
                assert await pub.wait_closed() == sig.CloseCode.SESSION_ENDED
                assert await sub.wait_closed() == sig.CloseCode.SESSION_ENDED
            finally:
                await asyncio.gather(*(each.close() for each in clients))
            assert session.closed and not node.sessions
            await asyncio.sleep(0.2)  # the handlers' last steps after the close
            left = [t for t in asyncio.all_tasks() - before if t is not asyncio.current_task()]
            assert not left, sorted(t.get_name() for t in left)

    run(scenario())
