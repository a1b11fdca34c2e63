"""Signed HTTP between the web and media nodes: heartbeats and participant
events (node -> web), control commands (web -> node).

Every request and response body is signed with HMAC-SHA256 over
``"<unix seconds>.<body>"`` with the shared node secret, in the headers
``X-Confera-Timestamp`` and ``X-Confera-Signature``; a timestamp more than
``MAX_SKEW_SECONDS`` away from now is refused, so a captured request cannot
be replayed later.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from app.protocol.messages import Catalogue, Message
from app.protocol.signalling import MuteMode

TIMESTAMP_HEADER = "X-Confera-Timestamp"
SIGNATURE_HEADER = "X-Confera-Signature"
NODE_HEADER = "X-Confera-Node"
MAX_SKEW_SECONDS = 30

HEARTBEAT_PATH = "/internal/media_nodes/heartbeat"
EVENTS_PATH = "/internal/media_nodes/events"
CONTROL_PATH = "/control"  # a node's; POST a control command


class BadSignature(Exception):
    pass



def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body),
            "Content-Type": "application/json"}


def verify_signed(secret: str, body: bytes, headers: Any, now: float | None = None) -> None:
    """Raises ``BadSignature`` unless ``headers`` (any case-insensitive header
    mapping: Flask's, aiohttp's, http.client's) sign ``body`` recently."""
    timestamp = str(headers.get(TIMESTAMP_HEADER) or "")
    given = str(headers.get(SIGNATURE_HEADER) or "")
    if not secret:
        raise BadSignature("no node secret is configured")
    if not timestamp.isdigit() or not given:
        raise BadSignature("missing signature")
    if abs(int(timestamp) - (now if now is not None else time.time())) > MAX_SKEW_SECONDS:
        raise BadSignature("stale timestamp")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise BadSignature("wrong signature")


# --- node -> web -----------------------------------------------------------

@dataclass
class NodeLoad:
    sessions: int = 0
    participants: int = 0
    published_tracks: int = 0
    forwarded_streams: int = 0  # published tracks x their subscribers
    cpu: float = 0.0  # cores this process used over the last interval
    max_participants: int = 0  # 0: no limit


@dataclass
class Heartbeat(Message):
    type = "heartbeat"
    node_id: str
    url: str  # base URL clients connect to (ws:// or wss://)
    control_url: str  # base URL the web posts control commands to
    started_at: float
    load: NodeLoad
    session_ids: list[str] = field(default_factory=list)
    draining: bool = False  # stopping: place nothing new here
    # Closing every call now (its drain deadline passed, or it was stopped):
    # the web takes it for dead, and places its sessions again on their rejoins.
    leaving: bool = False


@dataclass
class HeartbeatAck(Message):
    type = "heartbeat_ack"
    join_token_public_key: str  # PEM
    interval_seconds: float
    dead_after_seconds: float


class EventKind(enum.StrEnum):
    JOINED = "joined"
    LEFT = "left"
    TALKING = "talking"
    TRACK_PUBLISHED = "track_published"
    TRACK_UNPUBLISHED = "track_unpublished"
    MUTED = "muted"
    SESSION_EMPTY = "session_empty"
    # What a participant did, each its own kind so that the web can count it
    # per attendee (app/modules/meetings/activity.py). Durations are reported
    # at the stop, in ``data["seconds"]``: the node knows when each started.
    HAND_RAISED = "hand_raised"
    HAND_LOWERED = "hand_lowered"
    CHAT_SENT = "chat_sent"  # one message; data "private": "true"|"false", never its text
    TALKING_STOPPED = "talking_stopped"  # data "seconds" of that stretch of talk
    CAMERA_STARTED = "camera_started"  # on air: published and not muted
    CAMERA_STOPPED = "camera_stopped"  # data "seconds"
    SCREEN_SHARE_STARTED = "screen_share_started"
    SCREEN_SHARE_STOPPED = "screen_share_stopped"  # data "seconds"
    # Session-level (participant_id empty: the web's control API asked).
    MUTE_MODE_CHANGED = "mute_mode_changed"  # data "mode"
    OUTPUTS_CHANGED = "outputs_changed"  # data "live", "recording" ("true"|"false"), states


@dataclass
class ParticipantEvent:
    kind: EventKind
    session_id: str
    participant_id: str
    at: float
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class NodeEvents(Message):
    type = "node_events"
    node_id: str
    events: list[ParticipantEvent]


# --- web -> node -----------------------------------------------------------
# A command is one ``ControlCommand`` here and one handler on the node
# (``Session.carry_out``, registered by the command's class).

@dataclass
class ControlCommand(Message):
    session_id: str


@dataclass
class Kick(ControlCommand):
    type = "kick"
    participant_id: str
    reason: str = "removed by a moderator"


@dataclass
class MuteParticipant(ControlCommand):
    """Mute a participant's microphone (or every participant but moderators
    when ``participant_id`` is None). A node can only ask the client to stop
    sending; it also stops forwarding that track until the owner unmutes."""

    type = "mute"
    participant_id: str | None = None


@dataclass
class EndSession(ControlCommand):
    type = "end"
    reason: str = "ended by a moderator"


@dataclass
class LockSession(ControlCommand):
    type = "lock"
    locked: bool


@dataclass
class SetMuteMode(ControlCommand):
    """Change who may speak; attendees' microphones are muted when the new
    mode does not let them speak, and q&a starts with nobody allowed."""

    type = "mute_mode"
    mode: MuteMode


@dataclass
class AllowSpeak(ControlCommand):
    """In q&a mode: let one attendee speak (and lower their hand), or take it
    back (and mute them). Not ok in the other modes."""

    type = "allow_speak"
    participant_id: str
    allowed: bool = True


@dataclass
class SetOutputs(ControlCommand):
    """Which outputs of the session run (the egress's live stream and
    recording), for the "Live" and "Recording" badges everyone sees; the
    states are the newest output's of each kind (egress_api.OutputState
    values, empty when there was none) and ``reason`` why one failed."""

    type = "set_outputs"
    live: bool
    recording: bool
    live_state: str = ""
    recording_state: str = ""
    reason: str = ""


@dataclass
class SendMessage(ControlCommand):
    """A message an API client sends to everyone in the session (the rooms
    API's POST messages), in the name of ``from_id`` (who need not be
    connected): ``chat`` shows in the meeting's chat, ``custom`` goes to each
    page's embedding site as an event."""

    type = "send_message"
    kind: str  # chat | custom
    content: str
    from_id: str
    from_name: str


@dataclass
class ControlResult(Message):
    type = "control_result"
    ok: bool
    detail: str = ""


TO_WEB = Catalogue(Heartbeat, NodeEvents)
TO_NODE = Catalogue(Kick, MuteParticipant, EndSession, LockSession, SetMuteMode, AllowSpeak,
                    SetOutputs, SendMessage)
