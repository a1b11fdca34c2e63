"""The baseline of ``bench/egress.py``, in a process of its own
(``python -m bench.composite.baseline``): the egress's own encode (its
Encoder, HLS and recording outputs, storage writes, on the media loop's
clock) of ready-made 1280x720 pictures, with no WebRTC, no decoding and no
composing. The pictures are composed once at start by the egress's own
Compositor from the publishers' clip images (four tiles with name labels),
so the encoder gets the same kind of picture as in the room.

Prints ``ready`` once encoding; stops and finishes its outputs when stdin
closes."""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import av  # noqa: E402

from app.egress.compositor import Compositor, Tile  # noqa: E402
from app.egress.encoder import Encoder  # noqa: E402
from app.egress.mixer import SAMPLE_RATE, STEP, Mixer  # noqa: E402
from app.egress.outputs import Output  # noqa: E402
from app.egress.outputs.hls import HlsOutput  # noqa: E402
from app.egress.outputs.recording import RecordingOutput  # noqa: E402
from app.protocol.egress_api import Layout, OutputKind, OutputSpec  # noqa: E402
from app.storage import LocalStorage  # noqa: E402
from bench.composite import counter  # noqa: E402
from bench.forwarding.clients import _image  # noqa: E402

PICTURES = 60  # composed once, shown in a loop
NAMES = ("Publisher 1", "Publisher 2", "Publisher 3", "Publisher 4")


def pictures(width: int, height: int) -> list[av.VideoFrame]:
    rngs = [random.Random(p) for p in range(len(NAMES))]
    compositor = Compositor(width, height)
    result = []
    for index in range(PICTURES):
        tiles = []
        for publisher, name in enumerate(NAMES):
            planes = _image(index, rngs[publisher]).to_ndarray()
            counter.draw(planes[:counter.HEIGHT], publisher, index)
            tiles.append(Tile(f"p{publisher}", name,
                              frame=av.VideoFrame.from_ndarray(planes, format="yuv420p")))
        picture, _ = compositor.compose(tiles, Layout.GRID)
        result.append(av.VideoFrame.from_ndarray(picture.to_ndarray(), format="yuv420p"))
    return result


def run(args: argparse.Namespace, stop: threading.Event) -> None:
    shown = pictures(args.width, args.height)
    encoder = Encoder(args.width, args.height, args.fps, SAMPLE_RATE, args.preset, args.bitrate)
    store = LocalStorage(args.storage)
    outputs: list[Output] = [
        HlsOutput(OutputSpec("hls", OutputKind.HLS, storage_prefix="0/live/baseline"),
                  lambda *_: None, store=store),
        RecordingOutput(OutputSpec("rec", OutputKind.RECORDING,
                                   storage_prefix="0/recordings/baseline"),
                        lambda *_: None, store=store)]
    for output in outputs:
        output.open(encoder.streams)
    mixer = Mixer()
    print("ready", flush=True)
    start, steps, next_frame = time.monotonic(), 0, 0
    while not stop.is_set():  # the clock of app/egress/media_loop.py, without the room
        now = time.monotonic() - start
        while steps < int(now * SAMPLE_RATE / STEP):
            for packet in encoder.audio(mixer.mix(steps * STEP)):
                for output in outputs:
                    output.packet(packet, False)
            steps += 1
        due = int(now * args.fps)
        if due >= next_frame:
            for packet in encoder.video(shown[due % len(shown)], due, keyframe=due == 0):
                for output in outputs:
                    output.packet(packet, True)
            next_frame = due + 1
        wake = min((steps + 1) * STEP / SAMPLE_RATE, next_frame / args.fps)
        stop.wait(max(wake - (time.monotonic() - start), 0.0))
    for output in outputs:
        output.finish()
    encoder.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--storage", required=True, type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--bitrate", type=int, default=2_500_000)
    args = parser.parse_args()
    stop = threading.Event()
    worker = threading.Thread(target=run, args=(args, stop), name="baseline media")
    worker.start()
    sys.stdin.read()  # until the bench closes it
    stop.set()
    worker.join()


if __name__ == "__main__":
    main()
