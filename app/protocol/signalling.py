"""The WebSocket signalling between a client and a media node.

docs/signalling.md describes the exchange for client authors; this module is
its source of truth. The node is always the offerer (no glare): it offers
receive slots for what the participant may publish and a send slot for every
track the participant subscribes to, and offers again when either changes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from app.protocol.messages import Catalogue, Message


class CloseCode(enum.IntEnum):
    """WebSocket close codes a node uses; the reason text says more."""

    LEFT = 1000  # the participant sent leave
    GOING_AWAY = 1001  # the node is shutting down, or the media connection failed
    PROTOCOL_ERROR = 4000  # a malformed or unexpected message
    UNAUTHORIZED = 4001  # the join token is forged, expired or malformed
    WRONG_SESSION = 4003  # the token is valid but not for this session or node
    SESSION_ENDED = 4004  # the session was ended
    KICKED = 4008  # a moderator removed the participant; the token is spent
    REPLACED = 4009  # the same participant connected again elsewhere
    LOCKED = 4010  # the session is locked to new participants
    JOIN_TIMEOUT = 4011  # no join message in time
    FULL = 4029  # the node or the session has no room for another participant


class MuteMode(enum.StrEnum):
    """Who may speak. Moderators always may."""

    CONVERSATION = "conversation"  # everyone
    PRESENTATION = "presentation"  # attendees are muted and cannot unmute
    QA = "qa"  # attendees are muted until a moderator lets them speak


class Source(enum.StrEnum):
    MICROPHONE = "microphone"
    CAMERA = "camera"
    SCREEN = "screen"

    @property
    def kind(self) -> str:
        return "audio" if self is Source.MICROPHONE else "video"


@dataclass
class ParticipantInfo:
    participant_id: str
    display_name: str
    role: str
    hand_raised: bool = False
    may_speak: bool = True  # false for attendees in presentation, and in q&a until allowed


@dataclass
class TrackInfo:
    """A published track. ``mid`` is the transceiver carrying it in *your*
    peer connection (set in offers; None in track_published notices)."""

    track_id: str
    participant_id: str
    source: Source
    kind: str
    muted: bool = False
    mid: str | None = None


# --- client -> node --------------------------------------------------------

@dataclass
class Join(Message):
    type = "join"
    token: str


@dataclass
class Answer(Message):
    type = "answer"
    sdp: str


@dataclass
class Candidate(Message):
    """Trickle ICE, either way; ``candidate`` is the SDP a= line value without
    'a=', an empty string for end-of-candidates."""

    type = "candidate"
    candidate: str
    sdp_mid: str | None = None
    sdp_mline_index: int | None = None


@dataclass
class Publish(Message):
    """Ask for a receive slot for one more source (e.g. a screen share)."""

    type = "publish"
    source: Source


@dataclass
class Unpublish(Message):
    type = "unpublish"
    track_id: str


@dataclass
class SetMuted(Message):
    """Tell the others that one of your tracks is muted (or not)."""

    type = "set_muted"
    track_id: str
    muted: bool


@dataclass
class SendChat(Message):
    type = "chat"
    text: str
    to: str | None = None  # a participant_id for a private message


@dataclass
class RaiseHand(Message):
    """Raise (or lower) your hand; everyone gets ``hand``."""

    type = "raise_hand"
    raised: bool


@dataclass
class Ping(Message):
    type = "ping"


@dataclass
class Leave(Message):
    type = "leave"


# --- node -> client --------------------------------------------------------

@dataclass
class Joined(Message):
    type = "joined"
    session_id: str
    me: ParticipantInfo
    participants: list[ParticipantInfo]
    tracks: list[TrackInfo]
    permissions: list[str]
    mute_mode: MuteMode = MuteMode.CONVERSATION
    locked: bool = False


@dataclass
class Offer(Message):
    type = "offer"
    sdp: str
    tracks: list[TrackInfo]  # what each send slot (mid) carries
    publish_slots: dict[str, str] = field(default_factory=dict)  # mid -> source


@dataclass
class ParticipantJoined(Message):
    type = "participant_joined"
    participant: ParticipantInfo


@dataclass
class ParticipantLeft(Message):
    type = "participant_left"
    participant_id: str
    reason: str


@dataclass
class TrackPublished(Message):
    type = "track_published"
    track: TrackInfo


@dataclass
class TrackUnpublished(Message):
    type = "track_unpublished"
    track_id: str
    participant_id: str
    # Said, so that clients need not parse track ids; None only from nodes
    # older than the field (as in ``Muted``).
    source: Source | None = None


@dataclass
class Muted(Message):
    type = "muted"
    track_id: str
    participant_id: str
    muted: bool
    by: str  # the participant_id who changed it (the owner), or "moderator"
    source: Source | None = None  # the track's; None only from nodes older than the field


@dataclass
class Talking(Message):
    type = "talking"
    participant_id: str
    talking: bool


@dataclass
class ChatMessage(Message):
    type = "chat"
    from_id: str
    from_name: str
    text: str
    at: float  # unix seconds
    to: str | None = None


@dataclass
class CustomMessage(Message):
    """Data an API client sent to the meeting (``SendMessage`` of kind
    custom): pages hand it to their embedding site, they do not show it."""

    type = "custom"
    from_id: str
    from_name: str
    content: str
    at: float  # unix seconds


@dataclass
class Hand(Message):
    type = "hand"
    participant_id: str
    raised: bool


@dataclass
class MuteModeChanged(Message):
    """The session's new mode, and who may speak in it: the node decides, so
    that no client repeats the rule (moderators always may, and so on)."""

    type = "mute_mode"
    mode: MuteMode
    may_speak: bool = True  # whether the recipient may unmute a microphone now
    # The participant_ids, among those listed to everyone, who may speak now.
    speakers: list[str] = field(default_factory=list)


@dataclass
class MaySpeak(Message):
    """A moderator let a participant speak in q&a mode, or took it back (their
    microphone is then muted)."""

    type = "may_speak"
    participant_id: str
    allowed: bool  # whether they may speak now, as the node decides (always for moderators)


@dataclass
class Locked(Message):
    type = "locked"
    locked: bool


@dataclass
class Outputs(Message):
    """Whether the meeting is live-streamed and recorded now (the badges),
    and the state of the newest live stream and recording: ``starting``,
    ``live``, ``stopping``, ``stopped``, ``failed`` (then ``reason``), or empty."""

    type = "outputs"
    live: bool
    recording: bool
    live_state: str = ""
    recording_state: str = ""
    reason: str = ""


@dataclass
class Error(Message):
    """A refused request; the connection stays open."""

    type = "error"
    code: str  # forbidden | bad_request | not_found
    message: str


@dataclass
class Kicked(Message):
    type = "kicked"
    reason: str


@dataclass
class Ended(Message):
    type = "ended"
    reason: str


@dataclass
class Pong(Message):
    type = "pong"


FROM_CLIENT = Catalogue(Join, Answer, Candidate, Publish, Unpublish, SetMuted, SendChat,
                        RaiseHand, Ping, Leave)
FROM_NODE = Catalogue(Joined, Offer, Candidate, ParticipantJoined, ParticipantLeft,
                      TrackPublished, TrackUnpublished, Muted, Talking, ChatMessage, Hand,
                      MuteModeChanged, MaySpeak, Locked, Outputs, Error, Kicked, Ended, Pong,
                      CustomMessage)

MAX_CHAT_LENGTH = 4000
MAX_MESSAGE_BYTES = 256 * 1024  # an SDP with many tracks stays far below this
