"""The web's side of a node's control API: signed commands, signed answers."""

from __future__ import annotations

import enum
import json
import urllib.error
import urllib.request

from app.errors import ServiceUnavailable
from app.extensions import settings
from app.modules.media_nodes.models import MediaNode
from app.protocol import node_api
from app.protocol.messages import ProtocolError, parse_as

TIMEOUT_SECONDS = 5
# A node's /health answers at once unless its event loop is stuck: a probe
# waits this long before it calls the node silent.
PROBE_TIMEOUT_SECONDS = 1.5


def send_control(node: MediaNode, command: node_api.ControlCommand) -> node_api.ControlResult:
    """What ``node`` answered to ``command`` (ok False when it has no such
    session or participant); ServiceUnavailable when it cannot be reached."""
    secret = settings().media_node_secret
    body = command.to_json().encode()
    request = urllib.request.Request(node.control_url + node_api.CONTROL_PATH, data=body,
                                     method="POST", headers=node_api.signed_headers(secret, body))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer, headers = response.read(), response.headers
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise ServiceUnavailable(f"Media node {node.node_id} answered {exc.code}") from exc
        answer, headers = exc.read(), exc.headers
    except OSError as exc:
        raise ServiceUnavailable(f"Media node {node.node_id} is unreachable") from exc
    try:
        node_api.verify_signed(secret, answer, headers)
        return parse_as(node_api.ControlResult, json.loads(answer))
    except (node_api.BadSignature, ProtocolError, ValueError) as exc:
        raise ServiceUnavailable(f"Media node {node.node_id} answered badly: {exc}") from exc


class Probe(enum.Enum):
    ANSWERED = "answered"  # its HTTP server answered (ready or not)
    SILENT = "silent"  # connected, or tried to, and nothing came in time
    GONE = "gone"  # refused or reset: no process listens there any more


def probe(control_url: str) -> Probe:
    """What a node's ``/health`` at ``control_url`` does now. A node that
    answers it is leaving (closing every call) is as good as gone."""
    try:
        with urllib.request.urlopen(control_url + "/health",
                                    timeout=PROBE_TIMEOUT_SECONDS) as response:
            return _answered(response.read())
    except urllib.error.HTTPError as exc:
        return _answered(exc.read())  # 503: alive, only not ready (or leaving)
    except TimeoutError:
        return Probe.SILENT
    except urllib.error.URLError as exc:
        return Probe.SILENT if isinstance(exc.reason, TimeoutError) else Probe.GONE
    except OSError:
        return Probe.GONE


def _answered(body: bytes) -> Probe:
    try:
        leaving = json.loads(body).get("leaving") is True
    except (ValueError, AttributeError):
        leaving = False
    return Probe.GONE if leaving else Probe.ANSWERED
