"""The process's state: its rooms (one per session), the events for the
web, its load; and what each control command does."""

from __future__ import annotations

import asyncio
import logging
import resource
import time

from app.egress.config import EgressSettings
from app.egress.outputs.uploader import Store
from app.egress.overlays import LayerFailed
from app.egress.playback import PlaybackFailed
from app.egress.room import Room
from app.egress.subscriber import JoinFailed
from app.protocol.egress_api import (
    ClearLayer,
    EgressCommand,
    EgressLoad,
    OutputEvent,
    OutputState,
    SetLayer,
    SetLayout,
    StartOutputs,
    StartPlayback,
    StopOutput,
    StopPlayback,
)

log = logging.getLogger(__name__)

EVENT_QUEUE_SIZE = 10_000
# The picture's size: even (chroma is subsampled 2x2), at most 4K UHD.
MIN_SIDE, MAX_WIDTH, MAX_HEIGHT = 16, 3840, 2160


class Refused(Exception):
    """A command this egress cannot carry out; ``status`` for the answer."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


class Egress:
    def __init__(self, settings: EgressSettings, store: Store):
        self.settings, self.store = settings, store
        self.started_at = time.time()
        self.rooms: dict[str, Room] = {}
        self.draining = False
        # Output events for the web; WebLink drains it. Bounded like a node's.
        self.events: asyncio.Queue[OutputEvent] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self.web_answered_at: float | None = None
        self.web_dead_after = 3 * settings.heartbeat_seconds
        self._cpu_mark = (time.monotonic(), _cpu_seconds())
        self._cpu = 0.0
        self._starting: dict[str, asyncio.Future[Room]] = {}

    def web_answered(self, dead_after_seconds: float) -> None:
        self.web_answered_at = time.monotonic()
        self.web_dead_after = dead_after_seconds

    # --- commands ------------------------------------------------------------------

    async def carry_out(self, command: EgressCommand) -> None:
        """Do ``command`` or raise ``Refused``."""
        if isinstance(command, StartOutputs):
            await self._start_outputs(command)
            return
        room = self.rooms.get(command.session_id)
        if room is None or room.closed:
            raise Refused(404, "no such session on this egress")
        if isinstance(command, StopOutput):
            if not room.stop_output(command.output_id):
                raise Refused(404, "no such output running in this session")
        elif isinstance(command, SetLayout):
            room.set_layout(command.layout, command.focus_participant_id, command.arrangement)
        else:
            await self._compose(room, command)

    async def _compose(self, room: Room, command: EgressCommand) -> None:
        """A layer or playback command; 422 when its file cannot be used."""
        try:
            if isinstance(command, SetLayer):
                await room.set_layer(command.layer)
            elif isinstance(command, ClearLayer):
                room.clear_layer(command.z_index)
            elif isinstance(command, StartPlayback):
                await room.start_playback(command.playback)
            elif isinstance(command, StopPlayback):
                await room.stop_playback(command.play_id)
        except (LayerFailed, PlaybackFailed) as exc:
            raise Refused(422, str(exc)) from exc

    async def _start_outputs(self, command: StartOutputs) -> None:
        if not command.outputs:
            # A room without outputs would never end (the last one stopping ends it).
            raise Refused(400, "start_outputs: no outputs")
        if not (MIN_SIDE <= command.width <= MAX_WIDTH and MIN_SIDE <= command.height
                <= MAX_HEIGHT and command.width % 2 == command.height % 2 == 0):
            raise Refused(400, f"start_outputs: {command.width}x{command.height} is not an even "
                               f"size up to {MAX_WIDTH}x{MAX_HEIGHT}")
        room = self.rooms.get(command.session_id)
        if room is not None and not room.closed and not room.follows(command.node_url):
            await self._follow(room, command)
        if room is not None and not room.closed and \
                (command.width, command.height) != room.size:
            log.warning("session %s: %dx%d asked, the room's encode is %dx%d", room.session_id,
                        command.width, command.height, *room.size)
        if room is None or room.closed:
            if self.draining:
                raise Refused(503, "this egress is shutting down")
            limit = self.settings.max_sessions
            if limit and len(self.rooms) >= limit:
                raise Refused(503, "this egress is full")
            room = await self._open_room(command)
        room.start_outputs(command.outputs)

    async def _follow(self, room: Room, command: StartOutputs) -> None:
        """The session moved to another node: the room joins it there (503
        when it cannot: the web tries again)."""
        try:
            await room.follow(command.node_url, command.join_token)
        except JoinFailed as exc:
            raise Refused(503, f"could not join the session's new node: {exc}") from exc

    async def _open_room(self, command: StartOutputs) -> Room:
        """The session's room, joined (one join even when two commands race)."""
        pending = self._starting.get(command.session_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        self._starting[command.session_id] = future
        room = Room(command, self.settings, self.store, self.report, self.forget)
        try:
            await room.start()
        except JoinFailed as exc:
            for spec in command.outputs:
                self.report(OutputEvent(session_id=command.session_id,
                                        output_id=spec.output_id, kind=spec.kind,
                                        state=OutputState.FAILED, at=time.time(),
                                        reason=str(exc)))
            future.set_exception(Refused(502, str(exc)))
            future.exception()  # retrieved: a racing command gets it too
            raise Refused(502, str(exc)) from exc
        finally:
            del self._starting[command.session_id]
        self.rooms[command.session_id] = room
        future.set_result(room)
        return room

    def forget(self, room: Room) -> None:
        if self.rooms.get(room.session_id) is room:
            del self.rooms[room.session_id]

    def report(self, event: OutputEvent) -> None:
        log.info("session %s output %s (%s): %s %s", event.session_id, event.output_id,
                 event.kind, event.state, event.reason)
        if self.events.full():
            self.events.get_nowait()
        self.events.put_nowait(event)

    async def stop(self) -> None:
        """Stop every room: each output finishes with what it has (STOPPED)."""
        self.draining = True
        await asyncio.gather(*(room.stop() for room in list(self.rooms.values())),
                             return_exceptions=True)
        self.rooms.clear()

    # --- load ----------------------------------------------------------------------

    def load(self, sample_cpu: bool = True) -> EgressLoad:
        if sample_cpu:
            now, cpu = time.monotonic(), _cpu_seconds()
            then, cpu_then = self._cpu_mark
            self._cpu_mark = (now, cpu)
            self._cpu = round((cpu - cpu_then) / max(now - then, 1e-3), 3)
        running = [r for r in self.rooms.values() if not r.closed]
        return EgressLoad(sessions=len(running), outputs=sum(len(r.active) for r in running),
                          cpu=self._cpu, max_sessions=self.settings.max_sessions)

    def session_ids(self) -> list[str]:
        return [sid for sid, room in self.rooms.items() if not room.closed]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
