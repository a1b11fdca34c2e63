"""The room's media thread: on a monotonic clock, 20 ms of mixed sound and
(at the frame rate) one composed picture, encoded once and handed to every
output. Codec work never runs on the event loop (STYLE.md rule 8)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import av

from app.egress.compositor import Compositor, Tile
from app.egress.encoder import Encoder
from app.egress.mixer import SAMPLE_RATE, STEP, Mixer
from app.egress.outputs import Output
from app.egress.overlays import Overlay
from app.protocol.egress_api import Layout, LayoutSpec

log = logging.getLogger(__name__)

# Behind the clock by more than this (a stall), the sound skips ahead instead
# of catching up in a burst.
MAX_AUDIO_LAG_SECONDS = 1.0

Failed = Callable[[Output, str], None]


@dataclass
class EncodeTotals:
    """Pictures composed and encoded, and the seconds that took, by the rooms
    that have closed in this process: /metrics adds the open rooms' counts
    (app/egress/metrics.py), so its counters never go down."""

    pictures: int = 0
    seconds: float = 0.0


RETIRED = EncodeTotals()


class MediaLoop:
    """Owns the encoder and the outputs; only its thread touches them. The
    event loop hands it work through ``call`` and reads nothing back but
    the reports the outputs send themselves."""

    def __init__(self, name: str, width: int, height: int, fps: int, preset: str,
                 bitrate: int, tiles: Callable[[], list[Tile]], mixer: Mixer,
                 failed: Failed):
        self.fps = fps
        self.layout, self.focus = Layout.GRID, ""  # set by the event loop, read here
        self.arrangement = LayoutSpec()
        # By z-index; replaced whole (never changed in place) by the event loop.
        self.overlays: dict[int, Overlay] = {}
        self._tiles, self._mixer, self._failed = tiles, mixer, failed
        self._encoder_args = (width, height, fps, SAMPLE_RATE, preset, bitrate)
        self._compositor = Compositor(width, height)
        self._outputs: list[Output] = []
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._keyframe = False
        self._thread = threading.Thread(target=self._run, name=f"media {name}", daemon=True)
        self.encoder: Encoder | None = None
        # Read by /metrics from the event loop: plain numbers, written here only.
        self.pictures = 0
        self.encode_seconds = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Finish every output and end the thread (blocking: call it in a thread)."""
        self._stop.set()
        self._thread.join()

    def call(self, step: Callable[[], None]) -> None:
        """Run ``step`` in the media thread before its next tick."""
        self._calls.put(step)

    # --- the outputs (media thread only) ---------------------------------------

    def add(self, output: Output) -> None:
        if self.encoder is None:
            self._failed(output, "the room's encoder did not start")
            return
        try:
            output.open(self.encoder.streams)
        except Exception as exc:
            self._fail(output, exc)
            return
        self._outputs.append(output)
        self._keyframe = True  # its first segment or chunk should not wait 2 s

    def remove(self, output_id: str) -> None:
        for output in [o for o in self._outputs if o.spec.output_id == output_id]:
            self._outputs.remove(output)
            self._finish(output)

    def _finish(self, output: Output) -> None:
        try:
            output.finish()
        except Exception as exc:
            self._failed(output, f"{type(exc).__name__}: {exc}")

    def _fail(self, output: Output, exc: Exception) -> None:
        log.exception("output %s failed", output.spec.output_id)
        if output in self._outputs:
            self._outputs.remove(output)
        self._failed(output, f"{type(exc).__name__}: {exc}")

    # --- the clock --------------------------------------------------------------

    def _run(self) -> None:
        try:
            self.encoder = Encoder(*self._encoder_args)
            self._tick_until_stopped()
        except Exception:
            log.exception("media thread failed")
            for output in list(self._outputs):
                self._fail(output, RuntimeError("the room's media thread failed"))
        finally:
            self._drain_calls()
            self._close()

    def _tick_until_stopped(self) -> None:
        start = time.monotonic()
        steps = 0  # 20 ms steps of sound mixed
        next_frame = 0  # index of the next picture, in 1/fps
        while not self._stop.is_set():
            self._drain_calls()
            now = time.monotonic() - start
            due_steps = int(now * SAMPLE_RATE / STEP)
            if due_steps - steps > MAX_AUDIO_LAG_SECONDS * SAMPLE_RATE / STEP:
                steps = due_steps - 1
            while steps < due_steps:
                frame = self._mixer.mix(steps * STEP)
                steps += 1
                self._deliver([(p, False) for p in self._encoder_audio(frame)])
            due_frame = int(now * self.fps)
            if due_frame >= next_frame:
                self._picture(due_frame)
                next_frame = due_frame + 1
            wake = min((steps + 1) * STEP / SAMPLE_RATE, next_frame / self.fps)
            self._stop.wait(max(wake - (time.monotonic() - start), 0.0))

    def _encoder_audio(self, frame: av.AudioFrame) -> list[av.Packet]:
        assert self.encoder is not None
        return self.encoder.audio(frame)

    def _picture(self, index: int) -> None:
        began = time.perf_counter()
        self._compose_and_encode(index)
        self.pictures += 1
        self.encode_seconds += time.perf_counter() - began

    def _compose_and_encode(self, index: int) -> None:
        assert self.encoder is not None
        picture, videos = self._compositor.compose(self._tiles(), self.layout, self.focus,
                                                   self.arrangement, self.overlays)
        for output in [o for o in self._outputs if o.wants_pictures]:
            try:
                output.picture(picture, videos)
            except Exception as exc:
                self._fail(output, exc)
        keyframe, self._keyframe = self._keyframe, False
        self._deliver([(p, True) for p in self.encoder.video(picture, index, keyframe)])
        for output in [o for o in self._outputs if o.done]:
            self._outputs.remove(output)
            self._finish(output)

    def _deliver(self, packets: list[tuple[av.Packet, bool]]) -> None:
        for packet, video in packets:
            for output in list(self._outputs):
                try:
                    output.packet(packet, video)
                except Exception as exc:
                    self._fail(output, exc)

    def _drain_calls(self) -> None:
        while True:
            try:
                step = self._calls.get_nowait()
            except queue.Empty:
                return
            step()

    def _close(self) -> None:
        """The encoders' last packets to every output, then finish them."""
        if self.encoder is None:
            return
        try:
            self._deliver(self.encoder.flush())
        except Exception:
            log.exception("encoder flush failed")
        for output in list(self._outputs):
            self._outputs.remove(output)
            self._finish(output)
        self.encoder.close()
        RETIRED.pictures += self.pictures
        RETIRED.seconds += self.encode_seconds
        self.pictures, self.encode_seconds = 0, 0.0
