"""Mixes every participant's sound into one 48 kHz stereo track, 20 ms at a
time. The event loop queues decoded frames (``add``); the room's media
thread takes one step of the mix when its clock says so (``mix``)."""

from __future__ import annotations

import collections
import fractions
import threading

import av
import numpy as np
from numpy.typing import NDArray

SAMPLE_RATE = 48_000
STEP = SAMPLE_RATE // 50  # 20 ms
CHANNELS = 2
# A participant's queue longer than this has fallen behind the mix clock
# (a burst after a network stall): the oldest sound is dropped, not delayed.
MAX_QUEUED = SAMPLE_RATE // 2
# A queue starts playing once it holds this much, so packets arriving a little
# late do not each leave a gap.
PREROLL = STEP * 3

Samples = NDArray[np.int16]


class _Voice:
    def __init__(self) -> None:
        self.chunks: collections.deque[Samples] = collections.deque()  # interleaved s16
        self.queued = 0  # samples per channel
        self.playing = False


class Mixer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._voices: dict[str, _Voice] = {}
        self._resamplers: dict[str, av.AudioResampler] = {}  # only the event loop's
        self.time_base = fractions.Fraction(1, SAMPLE_RATE)

    def add(self, key: str, frame: av.AudioFrame) -> None:
        """Queue a decoded frame of ``key`` (a participant's microphone).
        Called on the event loop: only a format conversion, no mixing."""
        for converted in self._convert(key, frame):
            samples: Samples = np.asarray(converted.to_ndarray(), np.int16).reshape(-1)
            with self._lock:
                voice = self._voices.setdefault(key, _Voice())
                voice.chunks.append(samples)
                voice.queued += len(samples) // CHANNELS
                while voice.queued > MAX_QUEUED:
                    voice.queued -= len(voice.chunks.popleft()) // CHANNELS

    def remove(self, key: str) -> None:
        self._resamplers.pop(key, None)
        with self._lock:
            self._voices.pop(key, None)

    def mix(self, pts: int) -> av.AudioFrame:
        """The next 20 ms of the mix (silence where nobody speaks), at ``pts``."""
        total = np.zeros(STEP * CHANNELS, np.int32)
        with self._lock:
            for voice in self._voices.values():
                taken = _take(voice)
                if taken is not None:
                    total[:len(taken)] += taken
        mixed = np.clip(total, -32768, 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(mixed, format="s16", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = SAMPLE_RATE, pts, self.time_base
        return frame

    def _convert(self, key: str, frame: av.AudioFrame) -> list[av.AudioFrame]:
        if frame.format.name == "s16" and frame.layout.name == "stereo" \
                and frame.sample_rate == SAMPLE_RATE:
            return [frame]
        frame.pts = None  # the resampler keeps its own clock; ours is the mix's
        resampler = self._resamplers.get(key)
        if resampler is None:
            resampler = self._resamplers[key] = av.AudioResampler(
                format="s16", layout="stereo", rate=SAMPLE_RATE)
        return list(resampler.resample(frame))


def _take(voice: _Voice) -> Samples | None:
    """Up to STEP samples per channel from the front of ``voice``."""
    if not voice.playing:
        if voice.queued < PREROLL:
            return None
        voice.playing = True
    if voice.queued == 0:
        voice.playing = False  # ran dry: wait for the preroll again
        return None
    wanted = STEP * CHANNELS
    parts: list[Samples] = []
    while wanted and voice.chunks:
        chunk = voice.chunks[0]
        if len(chunk) <= wanted:
            parts.append(voice.chunks.popleft())
            wanted -= len(chunk)
        else:
            parts.append(chunk[:wanted])
            voice.chunks[0] = chunk[wanted:]
            wanted = 0
    taken = np.concatenate(parts)
    voice.queued -= len(taken) // CHANNELS
    return taken
