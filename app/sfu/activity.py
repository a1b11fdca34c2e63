"""What the participants of a session do, reported to the web as their own
event kinds (node_api.EventKind) so that it can count them per attendee:
hands, chats, talk, camera and screen-share time, and the session's mute
mode and outputs. Durations are measured here, where they start and stop,
and reported at the stop: the web only adds them up, and nothing runs per
packet (talk comes from the session's periodic talking check)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from app.protocol import signalling as sig
from app.protocol.node_api import EventKind

if TYPE_CHECKING:
    from app.sfu.forwarding import Publication
    from app.sfu.node import Node
    from app.sfu.session import Session

log = logging.getLogger(__name__)

TALKING_CHECK_SECONDS = 0.5

# A video publication on air (published and not muted): its start and stop kinds.
ON_AIR_KINDS = {
    sig.Source.CAMERA.value: (EventKind.CAMERA_STARTED, EventKind.CAMERA_STOPPED),
    sig.Source.SCREEN.value: (EventKind.SCREEN_SHARE_STARTED, EventKind.SCREEN_SHARE_STOPPED),
}


class Activity:
    def __init__(self, node: Node, session_id: str):
        self.node = node
        self.session_id = session_id
        self._on_air: dict[str, float] = {}  # track id -> since (monotonic)
        self._talking: dict[str, float] = {}  # microphone track id -> since

    def on_air(self, publication: Publication, on: bool) -> None:
        """A publication went on air (published unmuted, or unmuted) or off it
        (muted or unpublished); repeating either is no news. A microphone
        going off air ends its stretch of talk."""
        if publication.kind == "audio":
            if not on:
                self.talking(publication, False)
            return
        kinds = ON_AIR_KINDS.get(publication.source)
        if kinds is None or (publication.track_id in self._on_air) == on:
            return
        if on:
            self._on_air[publication.track_id] = time.monotonic()
            self._report(kinds[0], publication.participant_id)
        else:
            since = self._on_air.pop(publication.track_id)
            self._report(kinds[1], publication.participant_id, seconds=_since(since))

    def talking(self, publication: Publication, talking: bool) -> None:
        if (publication.track_id in self._talking) == talking:
            return
        if talking:
            self._talking[publication.track_id] = time.monotonic()
        else:
            since = self._talking.pop(publication.track_id)
            self._report(EventKind.TALKING_STOPPED, publication.participant_id,
                         seconds=_since(since))

    def hand(self, participant_id: str, raised: bool) -> None:
        kind = EventKind.HAND_RAISED if raised else EventKind.HAND_LOWERED
        self._report(kind, participant_id)

    def chat(self, sender_id: str, private: bool) -> None:
        """One message sent: counted, its text never leaves the session."""
        self._report(EventKind.CHAT_SENT, sender_id, private=str(private).lower())

    def mute_mode(self, mode: sig.MuteMode) -> None:
        self._report(EventKind.MUTE_MODE_CHANGED, "", mode=mode.value)

    def outputs(self, outputs: sig.Outputs) -> None:
        self._report(EventKind.OUTPUTS_CHANGED, "", live=str(outputs.live).lower(),
                     recording=str(outputs.recording).lower(),
                     live_state=outputs.live_state, recording_state=outputs.recording_state)

    def _report(self, kind: EventKind, participant_id: str, **data: str) -> None:
        self.node.report(kind, self.session_id, participant_id, **data)


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f}"


async def watch_talking(session: Session) -> None:
    """Every ``TALKING_CHECK_SECONDS``: who started or stopped talking (from
    the audio levels the forwarding counted), for everyone and the web."""
    try:
        while True:
            await asyncio.sleep(TALKING_CHECK_SECONDS)
            try:
                _tell_talking(session)
            except Exception:  # one bad tick must not end the detection
                log.exception("session %s: talking detection failed", session.session_id)
    finally:
        log.debug("session %s: talking detection stopped", session.session_id)


def _tell_talking(session: Session) -> None:
    for publication in list(session.publications.values()):
        if publication.kind == "audio" and publication.audio.update():
            talking = publication.audio.talking
            session.broadcast(sig.Talking(publication.participant_id, talking))
            session.node.report(EventKind.TALKING, session.session_id,
                                publication.participant_id, talking=str(talking).lower())
            session.activity.talking(publication, talking)
