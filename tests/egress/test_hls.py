"""The HLS output fed by the encoder directly (no node, no process): its
rolling window, and the old segments it deletes from storage."""

from __future__ import annotations

import fractions
import threading
import time

import av
import m3u8
import pytest

from app.egress.encoder import Encoder
from app.egress.outputs import hls
from app.egress.outputs.hls import HlsOutput
from app.protocol.egress_api import OutputKind, OutputSpec, OutputState


class MemoryStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        with self.lock:
            self.objects[key] = data

    def delete_prefix(self, prefix: str) -> None:
        with self.lock:
            for key in [k for k in self.objects if k.startswith(prefix)]:
                del self.objects[key]


def test_the_playlist_rolls_its_window_and_old_segments_are_deleted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hls, "DVR_SECONDS", 6)
    monkeypatch.setattr(hls, "KEPT_BEHIND_WINDOW", 2)
    store, events = MemoryStore(), []
    output = HlsOutput(OutputSpec("h", OutputKind.HLS, "3/live/h"),
                       lambda state, reason, details: events.append(state), store=store)
    encoder = Encoder(160, 96, fps=10)
    output.open(encoder.streams)
    for index in range(10 * 21):  # 21 s: ten segments and a bit
        for packet in encoder.video(av.VideoFrame(160, 96, "yuv420p"), index):
            output.packet(packet, True)
        silence = av.AudioFrame(format="s16", layout="stereo", samples=4800)
        for plane in silence.planes:
            plane.update(bytes(plane.buffer_size))
        silence.sample_rate, silence.pts = 48_000, index * 4800
        silence.time_base = fractions.Fraction(1, 48_000)
        for packet in encoder.audio(silence):
            output.packet(packet, False)
    output.finish()
    deadline = time.monotonic() + 10
    while OutputState.STOPPED not in events and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events == [OutputState.LIVE, OutputState.STOPPED]
    playlist = m3u8.loads(store.objects["3/live/h/live.m3u8"].decode())
    assert [s.uri for s in playlist.segments] == ["7.ts", "8.ts", "9.ts", "10.ts"]
    assert playlist.media_sequence == 7 and playlist.is_endlist
    segments = sorted(int(k.split("/")[-1][:-3]) for k in store.objects if k.endswith(".ts"))
    assert segments == [5, 6, 7, 8, 9, 10]  # two kept behind the window, older deleted
