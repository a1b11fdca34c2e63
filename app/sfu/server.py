"""The node's HTTP side: the signalling WebSocket, the control API, health;
and ``run_node``, the process's main coroutine."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import Coroutine
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from app.protocol import signalling as sig
from app.protocol.join_token import InvalidJoinToken
from app.protocol.messages import ProtocolError
from app.sfu.aiortc_hooks import check_internals, restrict_host_addresses
from app.sfu.config import NodeSettings
from app.sfu.node import Node, WrongSession
from app.sfu.participant import Participant
from app.sfu.session import Refused

log = logging.getLogger(__name__)

NODE_KEY: web.AppKey[Node] = web.AppKey("node", Node)
CLOSE_HANDSHAKE_SECONDS = 2.0
DRAIN_POLL_SECONDS = 0.25  # how soon a draining node notices its last session ended


async def signalling(request: web.Request) -> web.StreamResponse:
    node = request.app[NODE_KEY]
    session_id = request.match_info["session_id"]
    # ``timeout``: how long closing waits for the client's close frame before
    # it drops the socket (a kick or an end answers the web after that).
    ws = web.WebSocketResponse(heartbeat=20, max_msg_size=sig.MAX_MESSAGE_BYTES,
                               timeout=CLOSE_HANDSHAKE_SECONDS)
    await ws.prepare(request)
    try:
        participant = await _admit(node, session_id, ws)
    except Refused as refused:
        log.info("session %s: refused a join: %s", session_id, refused.reason)
        await ws.close(code=refused.code, message=refused.reason.encode()[:120])
        return ws
    await participant.run()
    return ws


async def _admit(node: Node, session_id: str, ws: web.WebSocketResponse) -> Participant:
    """The participant of the first message's join token, or ``Refused``."""
    try:
        frame = await asyncio.wait_for(ws.receive(), node.settings.join_timeout_seconds)
    except TimeoutError:
        raise Refused(sig.CloseCode.JOIN_TIMEOUT, "no join message in time") from None
    if frame.type != WSMsgType.TEXT:
        raise Refused(sig.CloseCode.PROTOCOL_ERROR, "the first message must be a join")
    try:
        join = sig.FROM_CLIENT.parse(frame.data)
    except ProtocolError as exc:
        raise Refused(sig.CloseCode.PROTOCOL_ERROR, str(exc)) from None
    if not isinstance(join, sig.Join):
        raise Refused(sig.CloseCode.PROTOCOL_ERROR, "the first message must be a join")
    try:
        grant = node.verify_token(join.token, session_id)
    except InvalidJoinToken as exc:
        raise Refused(sig.CloseCode.UNAUTHORIZED, str(exc)) from None
    except WrongSession as exc:
        raise Refused(sig.CloseCode.WRONG_SESSION, str(exc)) from None
    if not node.takes_joins_to(session_id):
        raise Refused(sig.CloseCode.GOING_AWAY, "this node is shutting down")
    if node.is_ended(session_id):
        raise Refused(sig.CloseCode.SESSION_ENDED, "the session has ended")
    session = node.session_for(grant)
    participant = Participant(grant, ws, session, node.settings)
    try:
        session.admit(participant)
    except Refused:
        await participant.pc.close()
        if not session.participants:
            await session.close()  # opened for this join only: nothing to keep
        raise
    return participant


async def health(request: web.Request) -> web.Response:
    """200 when the node can take joins; 503 with the reason when it cannot."""
    node = request.app[NODE_KEY]
    load = node.load(sample_cpu=False)
    reason = node.not_ready_because()
    body: dict[str, object] = {"node_id": node.settings.node_id, "ready": reason is None,
                               "draining": node.draining, "leaving": node.leaving,
                               "load": load.__dict__}
    if reason is not None:
        body["reason"] = reason
    return web.json_response(body, status=200 if reason is None else 503, dumps=json.dumps)


def build_app(node: Node) -> web.Application:
    from app.sfu.control import control_routes
    from app.sfu.probes import probe_routes

    app = web.Application(client_max_size=sig.MAX_MESSAGE_BYTES)
    app[NODE_KEY] = node
    app.add_routes([web.get("/sessions/{session_id}/ws", signalling),
                    web.get("/health", health), *control_routes(node),
                    *probe_routes(node)])
    return app


async def run_node(settings: NodeSettings) -> None:
    """Serve until SIGTERM or SIGINT. SIGTERM drains: no new sessions, the
    running ones go on until they end or SFU_DRAIN_SECONDS pass (a second
    SIGTERM or a SIGINT: at once); then every call still open is closed
    (GOING_AWAY: its clients rejoin on another node) and this returns."""
    await asyncio.to_thread(check_internals)  # fail at start, not at the first packet
    restrict_host_addresses(settings.ice_addresses)
    node = Node(settings)
    runner = web.AppRunner(build_app(node), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.listen_host, settings.port)
    await site.start()
    link = None
    if settings.web_url:
        from app.sfu.web_link import WebLink

        link = WebLink(node)
        await link.start()
    drain, stop = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: (stop if drain.is_set() else drain).set())
    loop.add_signal_handler(signal.SIGINT, stop.set)
    log.info("media node %s serving %s (control %s)", settings.node_id, settings.public_url,
             settings.control_url)
    try:
        await _first(drain.wait(), stop.wait())
        if not stop.is_set():
            await _drain(node, link, stop)
    finally:
        log.info("media node %s stopping", settings.node_id)
        node.leaving = True
        if link is not None:
            await link.beat_now()  # the web places its sessions elsewhere from now on
        await node.stop()
        if link is not None:
            with contextlib.suppress(Exception):
                await link.stop()
        await runner.cleanup()


async def _drain(node: Node, link: WebLinkLike | None, stop: asyncio.Event) -> None:
    """Take no new sessions and wait until the running ones end, the drain
    deadline passes, or ``stop`` is set."""
    log.info("media node %s draining (%d sessions, at most %.0f s)", node.settings.node_id,
             len(node.session_ids()), node.settings.drain_seconds)
    node.draining = True
    if link is not None:
        await link.beat_now()  # the web places nothing new here from now on
    deadline = loop_time() + node.settings.drain_seconds
    while not node.empty and not stop.is_set() and loop_time() < deadline:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), DRAIN_POLL_SECONDS)


async def _first(*waits: Coroutine[Any, Any, Any]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()


def loop_time() -> float:
    return asyncio.get_running_loop().time()


class WebLinkLike(Protocol):
    async def beat_now(self) -> None: ...
