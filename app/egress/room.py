"""One session's egress: the hidden subscriber, what it receives (names,
latest pictures, sound), the media thread, and the outputs running now."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable

import av

from app.egress.compositor import Tile
from app.egress.config import EgressSettings
from app.egress.media_loop import MediaLoop
from app.egress.mixer import Mixer
from app.egress.outputs import Details, Output
from app.egress.outputs.kinds import UnsupportedOutput, build_output
from app.egress.outputs.uploader import Store
from app.egress.overlays import LayerFailed, overlay_of, render_layer
from app.egress.playback import Playback, PlaybackFailed
from app.egress.subscriber import Subscriber
from app.protocol import signalling as sig
from app.protocol.egress_api import (
    LayerSpec,
    Layout,
    LayoutSpec,
    OutputEvent,
    OutputKind,
    OutputSpec,
    OutputState,
    PlaybackSpec,
    StartOutputs,
)
from app.sfu.tasks import OwnedTasks

log = logging.getLogger(__name__)

PLAYBACK_SOUND = "playback:"  # the mixer's key of a playback's sound, before its id
SETTLE_SECONDS = 15.0  # how long stopping waits for outputs' last uploads
FINAL = (OutputState.STOPPED, OutputState.FAILED)
# Close codes of a node that went away (stopped, or its process died) rather
# than of a session that ended: the session goes on elsewhere.
NODE_WENT_AWAY = (sig.CloseCode.GOING_AWAY, 1006, 1011)


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
        self.media.layout, self.media.arrangement = command.layout, command.arrangement
        self.playbacks: dict[str, Playback] = {}
        self._opening = (command.layers, command.playbacks)
        self._ice_servers, self._follow_seconds = settings.ice_servers, settings.follow_seconds
        self.subscriber = Subscriber(command.node_url, command.join_token,
                                     settings.ice_servers, self)
        self._lost: Subscriber | None = None  # the subscriber whose node went away

    async def start(self) -> None:
        """In the session with the media thread running, or ``JoinFailed``."""
        await self.subscriber.start()
        self.media.start()
        layers, playbacks = self._opening
        for layer in layers:
            await self._try(self.set_layer(layer), f"layer {layer.z_index}")
        for playback in playbacks:
            await self._try(self.start_playback(playback), f"playback {playback.play_id}")

    async def _try(self, step: Awaitable[None], what: str) -> None:
        """What the room opens with: one that fails is logged, not fatal."""
        try:
            await step
        except (LayerFailed, PlaybackFailed) as exc:
            log.warning("room %s: %s: %s", self.session_id, what, exc)

    async def stop(self) -> None:
        """Every output finished (STOPPED as far as it got), the session left."""
        if self.closed:
            return
        self.closed = True
        for play_id in list(self.playbacks):
            await self.stop_playback(play_id)
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

    def set_layout(self, layout: Layout, focus: str, arrangement: LayoutSpec) -> None:
        self._focus = focus
        self.media.layout, self.media.arrangement = layout, arrangement
        self.media.focus = focus or self._speaker

    # --- layers and playbacks (event loop) --------------------------------------------

    async def set_layer(self, layer: LayerSpec) -> None:
        """Fetch and draw the layer, then show it (``LayerFailed``)."""
        image = await render_layer(layer, *self.size)
        overlay = await asyncio.to_thread(overlay_of, image)
        overlays = {z: o for z, o in self.media.overlays.items() if z != layer.z_index}
        if overlay is not None:
            overlays[layer.z_index] = overlay
        self.media.overlays = overlays

    def clear_layer(self, z_index: int) -> None:
        self.media.overlays = {z: o for z, o in self.media.overlays.items() if z != z_index}

    async def start_playback(self, spec: PlaybackSpec) -> None:
        """Play ``spec`` (after stopping one of the same id), or ``PlaybackFailed``."""
        await self.stop_playback(spec.play_id)
        key = PLAYBACK_SOUND + spec.play_id
        playback = Playback(spec, functools.partial(self.mixer.add, key), self._playback_ended)
        await playback.start()
        self.playbacks[spec.play_id] = playback

    async def stop_playback(self, play_id: str) -> None:
        playback = self.playbacks.pop(play_id, None)
        if playback is not None:
            self.mixer.remove(PLAYBACK_SOUND + play_id)
            await playback.stop()

    def _playback_ended(self, playback: Playback) -> None:
        if self.playbacks.get(playback.spec.play_id) is playback:
            self._tasks.spawn(self.stop_playback(playback.spec.play_id), "playback ended")

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
        playbacks = list(self.playbacks.values())
        replaced = {p.spec.replacement_id: p.frame for p in playbacks
                    if p.spec.replacement_id in publishing and p.frame is not None}
        tiles = [Tile(pid, name, frame=replaced.get(pid) or
                      frames.get((pid, sig.Source.CAMERA))) for pid, name in names]
        tiles += [Tile(pid, name, screen=True, frame=frames[(pid, sig.Source.SCREEN)])
                  for pid, name in names if (pid, sig.Source.SCREEN) in frames]
        tiles += [Tile(p.spec.play_id, p.spec.name, frame=p.frame) for p in playbacks
                  if p.spec.replacement_id not in publishing and p.frame is not None]
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
        """The node closed the socket. The session ended: every output stops
        with what it has. The node went away: the outputs go on (with no one
        in the picture) until the web sends this room to the session's new
        node (``follow``), or EGRESS_FOLLOW_SECONDS pass."""
        log.info("room %s: the node closed the connection (%s %s)", self.session_id, code,
                 reason)
        if self.closed:
            return
        if code in NODE_WENT_AWAY and self._follow_seconds > 0:
            self._lose(self.subscriber)
        else:
            self._tasks.spawn(self._end(), "end")

    def _lose(self, subscriber: Subscriber) -> None:
        self._lost = subscriber
        for participant_id in list(self.names):
            self.participant(participant_id, "", False)
        self._tasks.spawn(self._end_unless_followed(subscriber), "follow deadline")

    async def _end_unless_followed(self, lost: Subscriber) -> None:
        await asyncio.sleep(self._follow_seconds)
        if self._lost is lost and not self.closed:
            log.warning("room %s: not sent to another node in time", self.session_id)
            await self._end()

    def follows(self, node_url: str) -> bool:
        """Whether the room is in the session at ``node_url`` (or joining it)."""
        return self.subscriber.ws_url == node_url

    async def follow(self, node_url: str, join_token: str) -> None:
        """Join the session at ``node_url`` (its node changed) and leave the
        old one; the outputs run on throughout. ``JoinFailed``: still where it was."""
        previous = self.subscriber
        subscriber = Subscriber(node_url, join_token, self._ice_servers, self)
        self.subscriber = subscriber
        try:
            await subscriber.start()
        except Exception:
            if self.subscriber is subscriber:
                self.subscriber = previous
            raise
        self._lost = None
        await previous.stop()
        log.info("room %s: now in the session at %s", self.session_id, node_url)
