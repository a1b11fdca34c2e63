"""A few seconds of synthetic H.264 + AAC as HLS segments (PyAV's hls
muxer), for the player's tests: they need a stream without an egress."""

from __future__ import annotations

import math
import pathlib

import av
import numpy as np

WIDTH, HEIGHT, FPS, RATE = 320, 240, 30, 48000


def make_segments(folder: pathlib.Path, seconds: int = 8) -> list[str]:
    """Writes ``<n>.ts`` segments of one second into ``folder``; returns their names."""
    playlist = folder / "index.m3u8"
    container = av.open(str(playlist), "w", format="hls", options={
        "hls_time": "1", "hls_list_size": "0",
        "hls_segment_filename": str(folder / "%d.ts")})
    video = container.add_stream("libx264", rate=FPS)
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    video.options = {"preset": "ultrafast", "g": str(FPS), "keyint_min": str(FPS),
                     "sc_threshold": "0", "profile": "baseline"}
    audio = container.add_stream("aac", rate=RATE)
    audio.layout = "stereo"
    samples = 1024
    audio_pts = 0
    for index in range(seconds * FPS):
        picture = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
        picture[:, : (index * 4) % WIDTH] = (200, 40, 40)  # a bar that grows: frames differ
        frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
        frame.pts = index
        container.mux(video.encode(frame))
        while audio_pts < (index + 1) * RATE / FPS:
            t = (np.arange(samples) + audio_pts) / RATE
            tone = (0.2 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)
            sound = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp",
                                               layout="stereo")
            sound.sample_rate, sound.pts = RATE, audio_pts
            container.mux(audio.encode(sound))
            audio_pts += samples
    container.mux(video.encode(None))
    container.mux(audio.encode(None))
    container.close()
    text = playlist.read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def live_playlist(names: list[str]) -> str:
    """A live playlist of these one-second segments (no #EXT-X-ENDLIST: more come)."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:1",
             "#EXT-X-MEDIA-SEQUENCE:0"]
    for name in names:
        lines += ["#EXTINF:1.000000,", name]
    return "\n".join(lines) + "\n"
