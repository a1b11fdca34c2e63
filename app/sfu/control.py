"""The node's control API: signed commands from the web (kick, mute, end, lock,
mute mode, allow to speak)."""

from __future__ import annotations

from aiohttp import web

from app.protocol import node_api
from app.protocol.messages import Message, ProtocolError
from app.sfu.node import Node
from app.sfu.room import WrongMuteMode


def control_routes(node: Node) -> list[web.RouteDef]:
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            node_api.verify_signed(node.settings.media_node_secret, body, request.headers)
        except node_api.BadSignature as exc:
            return _answer(node, 401, node_api.ControlResult(ok=False, detail=str(exc)))
        try:
            command = node_api.TO_NODE.parse(body)
        except ProtocolError as exc:
            return _answer(node, 400, node_api.ControlResult(ok=False, detail=str(exc)))
        try:
            done = await _carry_out(node, command)
        except WrongMuteMode as exc:
            # 404 like the other refusals: the web reads ok=False from a 404
            # and takes any other status for a broken node.
            return _answer(node, 404, node_api.ControlResult(ok=False, detail=str(exc)))
        if not done:
            return _answer(node, 404, node_api.ControlResult(
                ok=False, detail="no such session or participant on this node"))
        return _answer(node, 200, node_api.ControlResult(ok=True))

    return [web.post(node_api.CONTROL_PATH, handle)]


async def _carry_out(node: Node, command: Message) -> bool:
    """Whether the session (and participant) of ``command`` were found."""
    match command:
        case node_api.Kick(session_id=sid, participant_id=pid, reason=reason):
            return await node.kick(sid, pid, reason)
        case node_api.MuteParticipant(session_id=sid, participant_id=pid):
            return await node.mute(sid, pid)
        case node_api.EndSession(session_id=sid, reason=reason):
            return await node.end(sid, reason)
        case node_api.LockSession(session_id=sid, locked=locked):
            return await node.lock(sid, locked)
        case node_api.SetMuteMode(session_id=sid, mode=mode):
            return await node.set_mute_mode(sid, mode)
        case node_api.AllowSpeak(session_id=sid, participant_id=pid, allowed=allowed):
            return await node.allow_speak(sid, pid, allowed)
    return False


def _answer(node: Node, status: int, result: node_api.ControlResult) -> web.Response:
    body = result.to_json().encode()
    headers = node_api.signed_headers(node.settings.media_node_secret, body) \
        if node.settings.media_node_secret else {"Content-Type": "application/json"}
    return web.Response(status=status, body=body, headers=headers)
