"""The node's control API: signed commands from the web (kick, mute, end, lock)."""

from __future__ import annotations

from aiohttp import web

from app.protocol import node_api
from app.protocol.messages import ProtocolError
from app.sfu.node import Node


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
        match command:
            case node_api.Kick(session_id=sid, participant_id=pid, reason=reason):
                done = await node.kick(sid, pid, reason)
            case node_api.MuteParticipant(session_id=sid, participant_id=pid):
                done = await node.mute(sid, pid)
            case node_api.EndSession(session_id=sid, reason=reason):
                done = await node.end(sid, reason)
            case node_api.LockSession(session_id=sid, locked=locked):
                done = await node.lock(sid, locked)
            case _:
                done = False
        if not done:
            return _answer(node, 404, node_api.ControlResult(
                ok=False, detail="no such session or participant on this node"))
        return _answer(node, 200, node_api.ControlResult(ok=True))

    return [web.post(node_api.CONTROL_PATH, handle)]


def _answer(node: Node, status: int, result: node_api.ControlResult) -> web.Response:
    body = result.to_json().encode()
    headers = node_api.signed_headers(node.settings.media_node_secret, body) \
        if node.settings.media_node_secret else {"Content-Type": "application/json"}
    return web.Response(status=status, body=body, headers=headers)
