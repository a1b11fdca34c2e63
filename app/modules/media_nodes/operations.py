"""The node registry: what heartbeats say, which nodes are alive, where a
session goes."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.core.db import utcnow
from app.errors import Forbidden, ServiceUnavailable
from app.extensions import db, settings
from app.modules.media_nodes.control import Probe, probe
from app.modules.media_nodes.models import MediaNode
from app.protocol.node_api import Heartbeat


def record_heartbeat(heartbeat: Heartbeat) -> MediaNode:
    """Create or update the node that sent ``heartbeat``; Forbidden when its
    URLs are outside MEDIA_NODE_ALLOWED_HOSTS (a node there would be handed
    meetings and moderators' commands)."""
    for url in (heartbeat.url, heartbeat.control_url):
        if not node_host_allowed(urlsplit(url).hostname or ""):
            raise Forbidden(f"Media nodes may not be at {url!r} (MEDIA_NODE_ALLOWED_HOSTS)")
    node = db.session.execute(
        sa.select(MediaNode).where(MediaNode.node_id == heartbeat.node_id).with_for_update()
    ).scalar()
    if node is None:
        node = MediaNode(node_id=heartbeat.node_id)
        db.session.add(node)
    load = heartbeat.load
    node.url, node.control_url = heartbeat.url.rstrip("/"), heartbeat.control_url.rstrip("/")
    node.started_at = datetime.fromtimestamp(heartbeat.started_at, UTC)
    node.last_heartbeat_at = utcnow()
    node.draining = heartbeat.draining or heartbeat.leaving
    node.sessions, node.participants = load.sessions, load.participants
    node.published_tracks, node.forwarded_streams = load.published_tracks, load.forwarded_streams
    node.cpu, node.max_participants = load.cpu, load.max_participants
    if heartbeat.leaving:
        mark_dead(node)  # it is closing every call: its sessions go elsewhere now
    db.session.flush()
    return node


def is_live(node: MediaNode, now: datetime | None = None) -> bool:
    """Heard from recently and not shutting down: it may take new sessions."""
    return not node.draining and is_alive(node, now)


def is_alive(node: MediaNode, now: datetime | None = None) -> bool:
    """Heard from recently, draining or not: it still carries its sessions."""
    return node.last_heartbeat_at >= _live_since(now)


def mark_dead(node: MediaNode, now: datetime | None = None) -> None:
    """Take ``node`` for dead from now on, as if its heartbeats had stopped a
    whole MEDIA_NODE_DEAD_AFTER_SECONDS ago: its sessions are placed again on
    their next join. A node that was not dead comes back with its next heartbeat."""
    node.last_heartbeat_at = min(node.last_heartbeat_at,
                                 _live_since(now) - timedelta(seconds=1))
    db.session.flush()


def confirm_lost(node_id: str) -> bool:
    """Whether the node ``node_id``, which a client says it lost, is dead: a
    node still alive by its heartbeats is asked for its health at once and
    marked dead when nothing answers. A node that is only slow (the probe
    timed out but it beat recently) is not: one client's word is not enough."""
    node = db.session.execute(sa.select(MediaNode).where(MediaNode.node_id == node_id)).scalar()
    if node is None or not is_alive(node):
        return True
    beat_lately = _beat_lately(node)  # before the probe, which may take its timeout
    verdict = probe(node.control_url)
    if verdict is Probe.GONE or (verdict is Probe.SILENT and not beat_lately):
        mark_dead(node)
        return True
    return False


def _beat_lately(node: MediaNode) -> bool:
    """Within two heartbeat intervals: it is alive, whatever a probe met."""
    interval = timedelta(seconds=2 * settings().media_node_heartbeat_seconds)
    return node.last_heartbeat_at >= utcnow() - interval


def live_nodes(now: datetime | None = None) -> list[MediaNode]:
    """Live nodes that can take more participants, least loaded first."""
    nodes = db.session.execute(
        sa.select(MediaNode)
        .where(MediaNode.last_heartbeat_at >= _live_since(now), MediaNode.draining.is_(False))
        .order_by(MediaNode.participants, MediaNode.forwarded_streams, MediaNode.cpu,
                  MediaNode.id)
    ).scalars()
    return [node for node in nodes if not node.full]


def least_loaded_node(now: datetime | None = None) -> MediaNode:
    nodes = live_nodes(now)
    if not nodes:
        raise ServiceUnavailable("No media node is available; try again in a moment")
    return nodes[0]


def _live_since(now: datetime | None) -> datetime:
    seconds = settings().media_node_dead_after_seconds
    return (now or utcnow()) - timedelta(seconds=seconds)


def node_host_allowed(host: str) -> bool:
    """Whether ``host`` (a name or an address) matches MEDIA_NODE_ALLOWED_HOSTS:
    a CIDR holds the address, or a pattern (``*`` wildcards) matches the name."""
    host = host.lower()
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = \
            ipaddress.ip_address(host)
    except ValueError:
        address = None
    for allowed in settings().media_node_allowed_hosts:
        try:
            network = ipaddress.ip_network(allowed, strict=False)
        except ValueError:
            if address is None and fnmatchcase(host, allowed.lower()):
                return True
            continue
        if address is not None and address.version == network.version and address in network:
            return True
    return False
