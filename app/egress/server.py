"""The egress's HTTP side: the signed control API and health; and
``run_egress``, the process's main coroutine."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal

from aiohttp import web

from app.egress.config import EgressSettings
from app.egress.egress import Egress, Refused
from app.egress.outputs.uploader import Store
from app.egress.probes import probe_routes
from app.protocol import egress_api, node_api
from app.protocol.messages import ProtocolError
from app.sfu.aiortc_hooks import restrict_host_addresses

log = logging.getLogger(__name__)

EGRESS_KEY: web.AppKey[Egress] = web.AppKey("egress", Egress)
MAX_COMMAND_BYTES = 256 * 1024


async def control(request: web.Request) -> web.Response:
    egress = request.app[EGRESS_KEY]
    body = await request.read()
    try:
        node_api.verify_signed(egress.settings.media_node_secret, body, request.headers)
    except node_api.BadSignature as exc:
        return _answer(egress, 401, egress_api.EgressResult(ok=False, detail=str(exc)))
    try:
        command = egress_api.TO_EGRESS.parse(body)
    except ProtocolError as exc:
        return _answer(egress, 400, egress_api.EgressResult(ok=False, detail=str(exc)))
    assert isinstance(command, egress_api.EgressCommand)  # TO_EGRESS holds only these
    try:
        await egress.carry_out(command)
    except Refused as refused:
        return _answer(egress, refused.status,
                       egress_api.EgressResult(ok=False, detail=refused.detail))
    return _answer(egress, 200, egress_api.EgressResult(ok=True))


def _answer(egress: Egress, status: int, result: egress_api.EgressResult) -> web.Response:
    body = result.to_json().encode()
    return web.Response(status=status, body=body,
                        headers=node_api.signed_headers(egress.settings.media_node_secret, body))


async def health(request: web.Request) -> web.Response:
    """200 when the egress takes work; 503 with the reason when it does not."""
    egress = request.app[EGRESS_KEY]
    reason = None
    if egress.draining:
        reason = "shutting down"
    elif egress.web_answered_at is None:
        reason = "the web has not answered a heartbeat yet"
    body: dict[str, object] = {"egress_id": egress.settings.egress_id, "ready": reason is None,
                               "load": egress.load(sample_cpu=False).__dict__}
    if reason is not None:
        body["reason"] = reason
    return web.json_response(body, status=200 if reason is None else 503, dumps=json.dumps)


def build_app(egress: Egress) -> web.Application:
    app = web.Application(client_max_size=MAX_COMMAND_BYTES)
    app[EGRESS_KEY] = egress
    app.add_routes([web.post(egress_api.CONTROL_PATH, control), web.get("/health", health),
                    *probe_routes(egress)])
    return app


async def run_egress(settings: EgressSettings, store: Store) -> None:
    """Serve until SIGTERM or SIGINT, then finish every output and return."""
    from app.egress.web_link import WebLink

    restrict_host_addresses(settings.ice_addresses)
    egress = Egress(settings, store)
    runner = web.AppRunner(build_app(egress), handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, settings.listen_host, settings.port).start()
    link = WebLink(egress)
    await link.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig_number, stop.set)
    log.info("egress %s serving %s", settings.egress_id, settings.control_url)
    try:
        await stop.wait()
    finally:
        log.info("egress %s stopping", settings.egress_id)
        await egress.stop()
        with contextlib.suppress(Exception):
            await link.stop()
        await runner.cleanup()
