"""The node's control API: signed commands from the web, each carried out by
its session (``Session.carry_out``)."""

from __future__ import annotations

from aiohttp import web

from app.protocol import node_api
from app.protocol.messages import ProtocolError
from app.sfu.commands import WrongMuteMode
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
        assert isinstance(command, node_api.ControlCommand)  # TO_NODE holds only these
        session = node.sessions.get(command.session_id)
        try:
            done = session is not None and await session.carry_out(command)
        except WrongMuteMode as exc:
            # 404 like the other refusals: the web reads ok=False from a 404
            # and takes any other status for a broken node.
            return _answer(node, 404, node_api.ControlResult(ok=False, detail=str(exc)))
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
