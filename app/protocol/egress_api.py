"""Signed HTTP between the web and egress processes (``confera egress``):
heartbeats and output events (egress -> web), control commands (web ->
egress). Signed exactly as node_api's messages are (same headers, same
shared secret, MEDIA_NODE_SECRET).

One egress per running session: it joins the session as a hidden
participant (a RECORDER join token), composes one picture and one sound,
encodes them once, and feeds every output of that session from that one
encode. Outputs come and go while it runs (a recording stops, the live stream
goes on); the last output stopped ends the egress.

Where outputs write, under the storage prefix the web gives each
(``<company>/<kind>/<id>``, app/storage.py):

- HLS: ``<prefix>/live.m3u8`` (a rolling live playlist with a DVR window)
  and its segments ``<prefix>/<n>.ts``; on stop the playlist gets
  ``#EXT-X-ENDLIST``.
- Recording: while it runs, fragmented MP4 as ``<prefix>/chunks/init.mp4`` and
  ``<prefix>/chunks/<n:06d>.m4s`` (each chunk a few seconds, written once
  complete, so a crash keeps every chunk before it); on stop the egress
  reports STOPPED and the web assembles ``<prefix>/recording.mp4`` (or
  ``recording.m4a`` for audio only) from the chunks.
- Snapshot: one JPEG at ``<prefix>.jpg`` of the composed picture.
- RTMP: no storage; the stream goes to the given URL.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from app.protocol.messages import Catalogue, Message

HEARTBEAT_PATH = "/internal/egress/heartbeat"
EVENTS_PATH = "/internal/egress/events"
CONTROL_PATH = "/control"  # an egress process's; POST a control command


class OutputKind(enum.StrEnum):
    HLS = "hls"  # the live stream viewers watch (/livestream/<code>)
    RECORDING = "recording"
    RTMP = "rtmp"  # a broadcast to an RTMP ingest
    SNAPSHOT = "snapshot"  # one JPEG; stops by itself once written


class OutputState(enum.StrEnum):
    STARTING = "starting"
    LIVE = "live"  # HLS: the playlist has a segment; recording: a chunk is stored
    STOPPING = "stopping"
    STOPPED = "stopped"  # finished as asked (details say what was written)
    FAILED = "failed"  # gave up (reason says why); what was written is kept


class Layout(enum.StrEnum):
    GRID = "grid"
    SPEAKER = "speaker"  # the active speaker large
    PRESENTATION = "presentation"  # the screen share large, cameras in a strip


# --- egress -> web ----------------------------------------------------------

@dataclass
class EgressLoad:
    sessions: int = 0
    outputs: int = 0
    cpu: float = 0.0  # cores this process used over the last interval
    max_sessions: int = 0  # 0: no limit


@dataclass
class EgressHeartbeat(Message):
    type = "egress_heartbeat"
    egress_id: str
    control_url: str  # base URL the web posts control commands to
    started_at: float
    load: EgressLoad
    session_ids: list[str] = field(default_factory=list)
    draining: bool = False


@dataclass
class EgressHeartbeatAck(Message):
    type = "egress_heartbeat_ack"
    interval_seconds: float
    dead_after_seconds: float


@dataclass
class OutputEvent:
    session_id: str
    output_id: str
    kind: OutputKind
    state: OutputState
    at: float
    reason: str = ""  # FAILED: why
    # STOPPED/FAILED of a recording: "chunks" (count), "duration_seconds",
    # "size_bytes"; of a snapshot: "key", "width", "height"; HLS: "playlist".
    details: dict[str, str | int | float] = field(default_factory=dict)


@dataclass
class EgressEvents(Message):
    type = "egress_events"
    egress_id: str
    events: list[OutputEvent]


# --- web -> egress ----------------------------------------------------------

@dataclass
class OutputSpec:
    output_id: str  # the web's id for it (a recording's, a live stream's ...)
    kind: OutputKind
    storage_prefix: str = ""  # HLS, RECORDING, SNAPSHOT
    audio_only: bool = False  # RECORDING of an auto_record "audio" room
    rtmp_url: str = ""  # RTMP


@dataclass
class LayerSpec:
    """A picture over (``z_index`` 1) or under (-1) the composed tiles: an
    image the egress fetches from ``image_url`` (scaled to the picture), or a
    text insert (``title``, ``content``) it draws itself."""

    z_index: int  # 1: foreground, -1: background
    image_url: str = ""
    title: str = ""
    content: str = ""


@dataclass
class PlaybackSpec:
    """A video file the egress fetches and plays into the composed picture:
    in place of ``replacement_id``'s camera (a participant id), else in a
    tile of its own named ``name``; its sound mixed in when ``audio``."""

    play_id: str
    url: str
    replacement_id: str = ""
    name: str = ""
    audio: bool = False
    loop_count: int = 0  # further times it plays after the first; -1: until stopped


@dataclass
class LayoutSpec:
    """Which tile goes where. ``users``: participant ids in position order,
    "" for a spot kept free; ``fill``: other participants take the free and
    the further spots (auto), else only the listed ones show (custom);
    ``slots``: the number of positions (0: as many as there are tiles);
    ``boxes``: the positions themselves, [x, y, width, height] in the
    picture's pixels, instead of the layout's (as many slots as boxes)."""

    users: list[str] = field(default_factory=list)
    fill: bool = True
    slots: int = 0
    show_names: bool = True
    boxes: list[list[int]] = field(default_factory=list)


@dataclass
class EgressCommand(Message):
    session_id: str


@dataclass
class StartOutputs(EgressCommand):
    """Join the session (unless this egress is in it already) and start these
    outputs. ``node_url`` and ``join_token`` are a RECORDER's ticket, as
    ``POST /api/v1/rooms/<code>/join`` answers a person."""

    type = "start_outputs"
    node_url: str
    join_token: str
    outputs: list[OutputSpec]
    layout: Layout = Layout.GRID
    width: int = 1280
    height: int = 720
    # What the session's composition holds already (a room that opens later
    # than the layers and playbacks were asked for starts with them).
    arrangement: LayoutSpec = field(default_factory=LayoutSpec)
    layers: list[LayerSpec] = field(default_factory=list)
    playbacks: list[PlaybackSpec] = field(default_factory=list)


@dataclass
class StopOutput(EgressCommand):
    type = "stop_output"
    output_id: str


@dataclass
class SetLayout(EgressCommand):
    type = "set_layout"
    layout: Layout
    # The participant shown large (SPEAKER, PRESENTATION); empty: the egress
    # follows the active speaker or the screen share itself.
    focus_participant_id: str = ""
    arrangement: LayoutSpec = field(default_factory=LayoutSpec)


@dataclass
class SetLayer(EgressCommand):
    """Show ``layer`` (replacing the one at its z-index)."""

    type = "set_layer"
    layer: LayerSpec


@dataclass
class ClearLayer(EgressCommand):
    type = "clear_layer"
    z_index: int


@dataclass
class StartPlayback(EgressCommand):
    """Play a file (replacing a playback of the same ``play_id``)."""

    type = "start_playback"
    playback: PlaybackSpec


@dataclass
class StopPlayback(EgressCommand):
    """Stop a playback; one that ended already (or never was) is no error."""

    type = "stop_playback"
    play_id: str


@dataclass
class EgressResult(Message):
    type = "egress_result"
    ok: bool
    detail: str = ""


TO_WEB = Catalogue(EgressHeartbeat, EgressEvents)
TO_EGRESS = Catalogue(StartOutputs, StopOutput, SetLayout, SetLayer, ClearLayer, StartPlayback,
                      StopPlayback)
