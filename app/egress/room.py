"""One session's egress: the hidden subscriber, what it receives (names,
latest pictures, sound), the media thread, and the outputs running now."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable

import av

from app.egress.compositor import Tile
from app.egress.config import EgressSettings
from app.egress.media_loop import MediaLoop
from app.egress.mixer import Mixer
from app.egress.outputs import Details, Output
from app.egress.outputs.kinds import UnsupportedOutput, build_output
from app.egress.outputs.uploader import Store
from app.egress.subscriber import Subscriber
from app.protocol import signalling as sig
from app.protocol.egress_api import (
    Layout,
    OutputEvent,
    OutputKind,
    OutputSpec,
    OutputState,
    StartOutputs,
)
from app.sfu.tasks import OwnedTasks

log = logging.getLogger(__name__)

SETTLE_SECONDS = 15.0  # how long stopping waits for outputs' last uploads
FINAL = (OutputState.STOPPED, OutputState.FAILED)


class Room:
    def __init__(self, command: StartOutputs, settings: EgressSettings, store: Store,
                 report: Callable[[OutputEvent], None], ended: Callable[[Room], None]):
        self.session_id = command.session_id
        self.size = (command.width, command.height)  # of the one encode, for its life
        self._store, self._report, self._ended = store, report, ended
        self._loop = asyncio.get_running_loop()
        self.names: dict[str, str] = {}  # participant id -> name, in joining order
        # Who has sent a picture or sound: only they get a tile (a webinar's
        # hundred viewers are no grid of initials).
        self.publishing: set[str] = set()
        self.frames: dict[tuple[str, sig.Source], av.VideoFrame] = {}
        self.mixer = Mixer()
        self.active: dict[str, OutputKind] = {}  # outputs not yet STOPPED or FAILED
        self.closed = False
        self._focus, self._speaker = "", ""
        self._settled = asyncio.Event()
        self._tasks = OwnedTasks(f"room {self.session_id}")
        self.media = MediaLoop(self.session_id, command.width, command.height, settings.fps,
                               settings.x264_preset, settings.video_bitrate, self.tiles,
                               self.mixer, self._output_failed)
        self.media.layout = command.layout
        self.subscriber = Subscriber(command.node_url, command.join_token,
                                     settings.ice_servers, self)

    async def start(self) -> None:
        """In the session with the media thread running, or ``JoinFailed``."""
        await self.subscriber.start()
        self.media.start()

    async def stop(self) -> None:
        """Every output finished (STOPPED as far as it got), the session left."""
        if self.closed:
            return
        self.closed = True
        await self.subscriber.stop()
        await asyncio.to_thread(self.media.stop)
        if self.active:
            try:
                await asyncio.wait_for(self._settled.wait(), SETTLE_SECONDS)
            except TimeoutError:
                log.error("room %s: outputs %s did not finish in time", self.session_id,
                          sorted(self.active))
        await self._tasks.cancel_all()

    # --- outputs (event loop) -------------------------------------------------------

    def start_outputs(self, specs: list[OutputSpec]) -> None:
        for spec in specs:
            if spec.output_id in self.active:
                continue  # already running: the web asked twice
            self.active[spec.output_id] = spec.kind
            self._report(self._event(spec, OutputState.STARTING))
            try:
                output = build_output(spec, self._reporter(spec), self._store)
            except UnsupportedOutput as exc:
                self._reported(spec, OutputState.FAILED, str(exc), {})
                continue
            self.media.call(functools.partial(self.media.add, output))

    def stop_output(self, output_id: str) -> bool:
        kind = self.active.get(output_id)
        if kind is None:
            return False
        self._report(self._event(OutputSpec(output_id, kind), OutputState.STOPPING))
        self.media.call(lambda: self.media.remove(output_id))
        return True

    def set_layout(self, layout: Layout, focus: str) -> None:
        self._focus = focus
        self.media.layout = layout
        self.media.focus = focus or self._speaker

    def _reporter(self, spec: OutputSpec) -> Callable[[OutputState, str, Details], None]:
        def report(state: OutputState, reason: str, details: Details) -> None:
            self._loop.call_soon_threadsafe(self._reported, spec, state, reason, details)
        return report

    def _output_failed(self, output: Output, reason: str) -> None:
        self._reporter(output.spec)(OutputState.FAILED, reason, {})

    def _reported(self, spec: OutputSpec, state: OutputState, reason: str,
                  details: Details) -> None:
        if spec.output_id not in self.active:
            return  # already final (a failure after its stop, say)
        if state in FINAL:
            del self.active[spec.output_id]
        self._report(self._event(spec, state, reason, details))
        if not self.active:
            self._settled.set()
            if not self.closed:
                self._tasks.spawn(self._end(), "end")  # the last output stopped

    async def _end(self) -> None:
        await self.stop()
        self._ended(self)

    def _event(self, spec: OutputSpec, state: OutputState, reason: str = "",
               details: Details | None = None) -> OutputEvent:
        return OutputEvent(session_id=self.session_id, output_id=spec.output_id,
                           kind=spec.kind, state=state, at=time.time(), reason=reason,
                           details=dict(details or {}))

    # --- what the media thread composes --------------------------------------------

    def tiles(self) -> list[Tile]:
        """A camera tile per publishing participant (initials without a
        picture) and a tile per screen share. Called from the media thread:
        reads copies only."""
        publishing = set(self.publishing)
        names = [(pid, name) for pid, name in list(self.names.items()) if pid in publishing]
        frames = dict(self.frames)
        tiles = [Tile(pid, name, frame=frames.get((pid, sig.Source.CAMERA)))
                 for pid, name in names]
        tiles += [Tile(pid, name, screen=True, frame=frames[(pid, sig.Source.SCREEN)])
                  for pid, name in names if (pid, sig.Source.SCREEN) in frames]
        return tiles

    # --- MediaSink: what the subscriber says (event loop) ---------------------------

    def participant(self, participant_id: str, name: str, present: bool) -> None:
        if present:
            self.names[participant_id] = name
            return
        self.names.pop(participant_id, None)
        self.publishing.discard(participant_id)
        for source in sig.Source:
            self.frames.pop((participant_id, source), None)
        self.mixer.remove(participant_id)

    def video(self, participant_id: str, source: sig.Source,
              frame: av.VideoFrame | None) -> None:
        if frame is None:
            self.frames.pop((participant_id, source), None)
        elif participant_id in self.names:
            self.frames[(participant_id, source)] = frame
            self.publishing.add(participant_id)

    def audio(self, participant_id: str, frame: av.AudioFrame | None) -> None:
        if frame is None:
            self.mixer.remove(participant_id)
        elif participant_id in self.names:
            self.mixer.add(participant_id, frame)
            self.publishing.add(participant_id)

    def talking(self, participant_id: str) -> None:
        self._speaker = participant_id
        if not self._focus:
            self.media.focus = participant_id

    def disconnected(self, code: int, reason: str) -> None:
        """The node closed the socket (the session ended, or the node went):
        every output stops with what it has."""
        log.info("room %s: the node closed the connection (%s %s)", self.session_id, code,
                 reason)
        if not self.closed:
            self._tasks.spawn(self._end(), "end")
