"""Real fragmented-MP4 recordings for the tests, made with PyAV the way the
egress writes them (app/protocol/egress_api.py): ``init.mp4`` (ftyp + moov)
and numbered chunks of whole fragments (moof + mdat pairs)."""

from __future__ import annotations

import io
import math
import struct
from fractions import Fraction

import av
import numpy as np

WIDTH, HEIGHT, FPS, RATE = 320, 240, 15, 48000


def fragmented_mp4(seconds: float, *, audio_only: bool = False, gop_seconds: float = 2.0
                   ) -> bytes:
    """``seconds`` of a moving test picture (unless ``audio_only``) and a
    440 Hz tone, H.264 + AAC, one fragment per key frame."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4", options={
            "movflags": "frag_keyframe+empty_moov+default_base_moof"}) as container:
        video = None
        if not audio_only:
            video = container.add_stream("libx264", rate=FPS)
            video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            video.options = {"preset": "ultrafast", "g": str(int(FPS * gop_seconds)),
                             "keyint_min": str(int(FPS * gop_seconds)), "sc_threshold": "0"}
        audio = container.add_stream("aac", rate=RATE)
        audio.layout = "mono"
        if audio_only:
            # Without video, fragments follow the muxer's own duration.
            container.options["frag_duration"] = str(int(gop_seconds * 1_000_000))
        samples = 1024
        audio_frames = math.ceil(seconds * RATE / samples)
        video_frames = 0 if video is None else round(seconds * FPS)
        a = v = 0
        while a < audio_frames or v < video_frames:
            # Interleave by time so fragments hold both tracks.
            if v < video_frames and (a >= audio_frames or v / FPS <= a * samples / RATE):
                assert video is not None
                picture = np.full((HEIGHT, WIDTH, 3), (v * 4) % 256, dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
                frame.pts, frame.time_base = v, Fraction(1, FPS)
                container.mux(video.encode(frame))
                v += 1
            else:
                t = (np.arange(samples) + a * samples) / RATE
                tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="fltp",
                                                   layout="mono")
                frame.sample_rate, frame.pts = RATE, a * samples
                frame.time_base = Fraction(1, RATE)
                container.mux(audio.encode(frame))
                a += 1
        if video is not None:
            container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return out.getvalue()


def boxes(data: bytes) -> list[tuple[str, bytes]]:
    """The top-level boxes of an MP4 file, in order."""
    found, at = [], 0
    while at < len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
        found.append((kind.decode(), data[at:at + size]))
        at += size
    return found


def chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    """``data`` cut as the egress stores it: the init segment (everything
    before the first moof) and one chunk per moof + mdat pair."""
    init, parts = b"", []
    for kind, box in boxes(data):
        if kind == "moof":
            parts.append(box)
        elif parts:
            parts[-1] += box
        else:
            init += box
    return init, parts


def store_chunks(storage, prefix: str, data: bytes) -> int:
    """Write ``data`` under ``<prefix>/chunks/`` as the egress does; the chunk count."""
    init, parts = chunks(data)
    storage.put_bytes(f"{prefix}/chunks/init.mp4", init, "video/mp4")
    for number, part in enumerate(parts, 1):
        storage.put_bytes(f"{prefix}/chunks/{number:06d}.m4s", part, "video/iso.segment")
    return len(parts)


def duration_of(data: bytes) -> float:
    """Seconds of media PyAV reads in an MP4 file."""
    with av.open(io.BytesIO(data)) as container:
        return float(container.duration or 0) / av.time_base
