"""Synthetic media for tests: video frames that carry their number, a tone."""

from __future__ import annotations

import fractions
import functools
import math

import av
from aiortc import AudioStreamTrack, VideoStreamTrack

WIDTH, HEIGHT = 320, 240
BITS = 16
BLOCK = WIDTH // BITS  # each bit is a BLOCK x BLOCK square on the top row


class CounterVideo(VideoStreamTrack):
    """30 fps video whose frame n shows n in binary as white and black squares
    along its top edge; the rest is a moving gradient so VP8 has work to do."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = counter_frame(self.count)
        frame.pts, frame.time_base = pts, time_base
        self.count += 1
        return frame


def counter_frame(number: int) -> av.VideoFrame:
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    bits = b"".join(bytes([235 if number >> (BITS - 1 - bit) & 1 else 16]) * BLOCK
                    for bit in range(BITS))
    luma = bits * BLOCK + _gradient(number * 4 & 0x7F)
    _fill(frame.planes[0], luma, WIDTH, HEIGHT)
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    _fill(frame.planes[1], chroma, WIDTH // 2, HEIGHT // 2)
    _fill(frame.planes[2], chroma, WIDTH // 2, HEIGHT // 2)
    return frame


@functools.cache
def _gradient(shift: int) -> bytes:
    """The rows under the counter. Building them per frame in Python cost
    ~6 ms, on the event loop that also receives the test's packets; the
    pattern repeats every 32 frames."""
    return bytes(((x + y + shift) & 0x7F) + 64 for y in range(BLOCK, HEIGHT)
                 for x in range(WIDTH))


def _fill(plane: av.video.plane.VideoPlane, data: bytes | bytearray, width: int,
          height: int) -> None:
    if plane.line_size == width:
        plane.update(bytes(data))
        return
    padded = bytearray(plane.line_size * height)
    for y in range(height):
        padded[y * plane.line_size: y * plane.line_size + width] = data[y * width:(y + 1) * width]
    plane.update(bytes(padded))


def read_counter(frame: av.VideoFrame) -> int:
    """The number a decoded ``CounterVideo`` frame shows."""
    plane = frame.planes[0]
    data = bytes(plane)
    y = BLOCK // 2
    number = 0
    for bit in range(BITS):
        x = bit * BLOCK + BLOCK // 2
        number = number << 1 | (data[y * plane.line_size + x] > 128)
    return number


class ToneAudio(AudioStreamTrack):
    """A 440 Hz tone at about -10 dBov (so it counts as talking)."""

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()  # paced silence: 20 ms, s16 mono
        samples = frame.samples
        start = frame.pts or 0
        tone = bytearray()
        for i in range(samples):
            value = int(10000 * math.sin(2 * math.pi * 440 * (start + i) / frame.sample_rate))
            tone += value.to_bytes(2, "little", signed=True)
        frame.planes[0].update(bytes(tone))
        frame.time_base = fractions.Fraction(1, frame.sample_rate)
        return frame
