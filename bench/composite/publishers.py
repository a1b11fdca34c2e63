"""The benchmark's publishers, in a process of their own
(``python -m bench.composite.publishers``) so that their CPU is not the
egress's: four aiortc participants on the media node, each sending a camera
clip (640x480, 30 fps, VP8) encoded once at start, so no encoder runs while
it sends, with its own number and each frame's index in the pixels
(bench/composite/counter.py), and a tone.

Every video frame handed to aiortc's sender is logged as
``<publisher> <index> <time.monotonic()>`` (one clock for every process) to
the file ``--log``; the bench reads it to time each frame to the HLS output.
Prints ``ready`` once every publisher is negotiated; exits when stdin closes.
Join tokens come in the environment (BENCH_PUBLISHER_TOKENS, comma-separated).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import av  # noqa: E402
import numpy as np  # noqa: E402
from aiortc import MediaStreamTrack  # noqa: E402

from app.protocol import signalling as sig  # noqa: E402
from bench.composite import counter  # noqa: E402
from bench.forwarding.clients import (  # noqa: E402
    FPS,
    RTP_CLOCK,
    Clip,
    ClipTrack,
    _image,
    _vp8_encoder,
    restrict_ice_gathering,
    route_keyframe_requests,
)
from tests.sfu.client import NodeClient  # noqa: E402

TOKENS_VARIABLE = "BENCH_PUBLISHER_TOKENS"


def counter_clip(publisher: int, frames: int, bitrate: int) -> Clip:
    """``frames`` images of bench/forwarding's moving gradient and noise, each
    with ``publisher`` and its index painted on top; the first a key frame."""
    rng = random.Random(publisher)
    codec = _vp8_encoder(bitrate)
    encoded = []
    for index in range(frames):
        planes = _image(index, rng).to_ndarray()
        counter.draw(planes[:counter.HEIGHT], publisher, index)
        image = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        image.pts = index
        image.pict_type = av.video.frame.PictureType.I if index == 0 else \
            av.video.frame.PictureType.NONE
        encoded.append(b"".join(bytes(packet) for packet in codec.encode(image)))
    return Clip(frames=tuple(encoded))


class Tone(MediaStreamTrack):
    """A 400 Hz tone as Opus packets encoded once (one second, looped: 20 ms hold
    8 whole periods), so that aiortc's sender only packetizes them: encoding
    every 20 ms in aiortc cost the publishers' process a few tenths of a core
    beside the egress it measures."""

    kind = "audio"
    RATE, STEP = 48_000, 960  # 20 ms

    def __init__(self) -> None:
        super().__init__()
        codec = av.CodecContext.create("libopus", "w")
        assert isinstance(codec, av.AudioCodecContext)
        codec.sample_rate, codec.layout, codec.format = self.RATE, "stereo", "s16"
        codec.bit_rate = 64_000
        wave = (10000 * np.sin(2 * np.pi * 400 * np.arange(self.RATE) / self.RATE))
        samples = np.repeat(wave.astype(np.int16), 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
        frame.sample_rate, frame.pts = self.RATE, 0
        self._packets = [bytes(p) for p in codec.encode(frame)]
        self._sent = 0
        self._started: float | None = None

    async def recv(self) -> av.Packet:
        if self._started is None:
            self._started = time.monotonic()
        else:
            await asyncio.sleep(self._started + self._sent * self.STEP / self.RATE -
                                time.monotonic())
        packet = av.Packet(self._packets[self._sent % len(self._packets)])
        packet.pts, packet.time_base = self._sent * self.STEP, Fraction(1, self.RATE)
        self._sent += 1
        return packet


class CountedClipTrack(ClipTrack):
    """bench/forwarding's clip track, logging which frame it sends when."""

    def __init__(self, clip: Clip, publisher: int, log: TextIO) -> None:
        super().__init__(clip)
        self.publisher, self.log = publisher, log

    async def recv(self) -> av.Packet:
        if self._started is None:
            self._started = time.monotonic()
        else:
            await asyncio.sleep(self._started + self.frames_sent / FPS - time.monotonic())
        index = self._next
        self._next = (index + 1) % len(self.clip.frames)
        packet = av.Packet(self.clip.frames[index])
        packet.pts = self.frames_sent * (RTP_CLOCK // FPS)
        packet.time_base = Fraction(1, RTP_CLOCK)
        self.frames_sent += 1
        self.log.write(f"{self.publisher} {index} {time.monotonic():.6f}\n")
        return packet


async def publish(args: argparse.Namespace, tokens: list[str]) -> None:
    restrict_ice_gathering("127.0.0.1")
    clips = [counter_clip(p, args.clip_frames, args.bitrate) for p in range(len(tokens))]
    clients: list[NodeClient] = []
    with open(args.log, "w") as log:
        try:
            for publisher, token in enumerate(tokens):
                track = CountedClipTrack(clips[publisher], publisher, log)
                client = NodeClient(args.ws_url, token, video_codec="VP8", publish={
                    sig.Source.CAMERA: track, sig.Source.MICROPHONE: Tone()})
                clients.append(client)
                await client.connect()
                await client.wait_for(sig.Joined)
                await client.wait_negotiated()
                for sender in client.pc.getSenders():
                    if sender.track is track:
                        route_keyframe_requests(sender, track)
            print("ready", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ws-url", required=True, help="the session's signalling URL")
    parser.add_argument("--log", required=True, type=Path, help="where sent frames are logged")
    parser.add_argument("--clip-frames", type=int, default=600)
    parser.add_argument("--bitrate", type=int, default=1_500_000)
    args = parser.parse_args()
    tokens = os.environ.get(TOKENS_VARIABLE, "").split(",")
    if args.clip_frames > counter.INDEX_MOD:
        parser.error(f"--clip-frames must be at most {counter.INDEX_MOD}")
    asyncio.run(publish(args, tokens))


if __name__ == "__main__":
    main()
