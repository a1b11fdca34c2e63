"""Thin views: check the node secret's signature, parse, record, answer signed."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request
from sqlalchemy.exc import IntegrityError

from app.api.nodes import bp
from app.core.security import join_token_keys
from app.errors import BadRequest, Unauthorized
from app.extensions import db, settings
from app.modules.media_nodes.operations import record_heartbeat
from app.modules.meetings.operations import record_events
from app.modules.outputs import egress_nodes
from app.modules.outputs import operations as outputs
from app.protocol import egress_api, node_api
from app.protocol.messages import Catalogue, Message, ProtocolError


def _signed_message(kind: type[Message], catalogue: Catalogue = node_api.TO_WEB) -> Message:
    secret = settings().media_node_secret
    body = request.get_data(cache=False)
    try:
        node_api.verify_signed(secret, body, request.headers)
    except node_api.BadSignature as exc:
        raise Unauthorized(f"Bad node signature: {exc}") from exc
    try:
        message = catalogue.parse(body)
    except ProtocolError as exc:
        raise BadRequest(str(exc)) from exc
    if not isinstance(message, kind):
        raise BadRequest(f"Expected a {kind.type} message")
    return message


def _committed(record: Callable[[], object]) -> None:
    """Run ``record`` and commit. A process's first heartbeat may reach two web
    replicas at once: both find no row to lock, and the second insert breaks
    the unique id; that one tries again and updates the row the first made."""
    try:
        record()
        db.session.commit()
        return
    except IntegrityError:
        db.session.rollback()
    record()
    db.session.commit()


def _signed_answer(message: Message) -> Response:
    body = message.to_json().encode()
    secret = settings().media_node_secret
    return Response(body, status=200, headers=node_api.signed_headers(secret, body))


@bp.post(node_api.HEARTBEAT_PATH)
def heartbeat() -> Response:
    message = _signed_message(node_api.Heartbeat)
    assert isinstance(message, node_api.Heartbeat)
    _committed(lambda: record_heartbeat(message))
    config = settings()
    _, public_pem = join_token_keys(config.secret_key, config.join_token_private_key)
    return _signed_answer(node_api.HeartbeatAck(
        join_token_public_key=public_pem,
        interval_seconds=config.media_node_heartbeat_seconds,
        dead_after_seconds=config.media_node_dead_after_seconds))


@bp.post(node_api.EVENTS_PATH)
def events() -> Response:
    message = _signed_message(node_api.NodeEvents)
    assert isinstance(message, node_api.NodeEvents)
    record_events(message)
    db.session.commit()
    return _signed_answer(node_api.ControlResult(ok=True))


@bp.post(egress_api.HEARTBEAT_PATH)
def egress_heartbeat() -> Response:
    message = _signed_message(egress_api.EgressHeartbeat, egress_api.TO_WEB)
    assert isinstance(message, egress_api.EgressHeartbeat)

    def record() -> None:
        egress, restarted = egress_nodes.record_heartbeat(message)
        if restarted:  # what it ran before the restart is gone
            outputs.fail_egress_outputs(egress)

    _committed(record)
    config = settings()
    return _signed_answer(egress_api.EgressHeartbeatAck(
        interval_seconds=config.media_node_heartbeat_seconds,
        dead_after_seconds=config.media_node_dead_after_seconds))


@bp.post(egress_api.EVENTS_PATH)
def egress_events() -> Response:
    message = _signed_message(egress_api.EgressEvents, egress_api.TO_WEB)
    assert isinstance(message, egress_api.EgressEvents)
    outputs.record_events(message)
    db.session.commit()
    return _signed_answer(egress_api.EgressResult(ok=True))
