"""The egress registry: what egress heartbeats say, which egress processes
are alive, where a session's outputs go. Liveness and the allowed host names
are the media nodes' (MEDIA_NODE_DEAD_AFTER_SECONDS, MEDIA_NODE_ALLOWED_HOSTS):
an egress is a process of the same cluster, trusted the same way."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.core.db import utcnow
from app.errors import Forbidden, ServiceUnavailable
from app.extensions import db, settings
from app.modules.media_nodes.operations import node_host_allowed
from app.modules.outputs.models import EgressNode
from app.protocol import egress_api, node_api
from app.protocol.messages import ProtocolError, parse_as

TIMEOUT_SECONDS = 5
UNPROCESSABLE = 422  # the egress's answer to a layer or playback whose file it cannot use


def record_heartbeat(heartbeat: egress_api.EgressHeartbeat) -> tuple[EgressNode, bool]:
    """Create or update the egress that sent ``heartbeat``; and whether it
    restarted since its last one (what it ran before is lost). Forbidden when
    its control URL is outside MEDIA_NODE_ALLOWED_HOSTS."""
    if not node_host_allowed(urlsplit(heartbeat.control_url).hostname or ""):
        raise Forbidden(f"Egress processes may not be at {heartbeat.control_url!r} "
                        "(MEDIA_NODE_ALLOWED_HOSTS)")
    node = db.session.execute(
        sa.select(EgressNode).where(EgressNode.egress_id == heartbeat.egress_id)
        .with_for_update()
    ).scalar()
    started_at = datetime.fromtimestamp(heartbeat.started_at, UTC)
    restarted = node is not None and node.started_at != started_at
    if node is None:
        node = EgressNode(egress_id=heartbeat.egress_id)
        db.session.add(node)
    load = heartbeat.load
    node.control_url = heartbeat.control_url.rstrip("/")
    node.started_at, node.last_heartbeat_at = started_at, utcnow()
    node.draining = heartbeat.draining
    node.sessions, node.outputs = load.sessions, load.outputs
    node.cpu, node.max_sessions = load.cpu, load.max_sessions
    db.session.flush()
    return node, restarted


def is_alive(node: EgressNode, now: datetime | None = None) -> bool:
    """Heard from recently (a draining egress still runs what it has)."""
    return node.last_heartbeat_at >= _live_since(now)


def least_loaded_egress(now: datetime | None = None) -> EgressNode:
    """The live, non-draining egress with the fewest sessions (then outputs,
    then CPU); ServiceUnavailable when there is none."""
    nodes = db.session.execute(
        sa.select(EgressNode)
        .where(EgressNode.last_heartbeat_at >= _live_since(now), EgressNode.draining.is_(False))
        .order_by(EgressNode.sessions, EgressNode.outputs, EgressNode.cpu, EgressNode.id)
    ).scalars()
    for node in nodes:
        if not node.full:
            return node
    raise ServiceUnavailable("No egress process is available; try again in a moment")


def _live_since(now: datetime | None) -> datetime:
    return (now or utcnow()) - timedelta(seconds=settings().media_node_dead_after_seconds)


def send_command(node: EgressNode, command: egress_api.EgressCommand,
                 refused_ok: bool = False) -> egress_api.EgressResult:
    """What ``node`` answered to ``command``; ServiceUnavailable when it cannot
    be reached, refuses, or answers unsigned. With ``refused_ok`` a command
    it could not carry out (422: a file it could not use) is its answer too."""
    secret = settings().media_node_secret
    body = command.to_json().encode()
    request = urllib.request.Request(node.control_url + egress_api.CONTROL_PATH, data=body,
                                     method="POST", headers=node_api.signed_headers(secret, body))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer, headers = response.read(), response.headers
    except urllib.error.HTTPError as exc:
        if not (refused_ok and exc.code == UNPROCESSABLE):
            raise ServiceUnavailable(f"Egress {node.egress_id} answered {exc.code}") from exc
        answer, headers = exc.read(), exc.headers
    except OSError as exc:
        raise ServiceUnavailable(f"Egress {node.egress_id} is unreachable") from exc
    try:
        node_api.verify_signed(secret, answer, headers)
        return parse_as(egress_api.EgressResult, json.loads(answer))
    except (node_api.BadSignature, ProtocolError, ValueError) as exc:
        raise ServiceUnavailable(f"Egress {node.egress_id} answered badly: {exc}") from exc
