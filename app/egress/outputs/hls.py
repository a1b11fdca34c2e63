"""HLS for viewers: MPEG-TS segments cut at key frames (~2 s), each stored
as ``<prefix>/<n>.ts`` once complete, then ``<prefix>/live.m3u8`` rewritten."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import av
from av.container import OutputContainer

from app.egress.encoder import KEYFRAME_SECONDS
from app.egress.outputs import StoredOutput
from app.protocol.egress_api import OutputState

PLAYLIST = "live.m3u8"
DVR_SECONDS = 600  # the playlist lists the last ten minutes
KEPT_BEHIND_WINDOW = 15  # segments kept in storage behind it, then deleted
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"


@dataclass
class _Segment:
    number: int
    duration: float


@dataclass
class HlsOutput(StoredOutput):
    _muxer: OutputContainer | None = None
    _buffer: io.BytesIO | None = None
    _started_at: float = 0.0  # the open segment's first video timestamp, seconds
    _last_at: float = 0.0
    _next_number: int = 0
    _segments: list[_Segment] = field(default_factory=list)

    def packet(self, packet: av.Packet, video: bool) -> None:
        if packet.pts is None or packet.time_base is None:
            return
        at = float(packet.pts * packet.time_base)
        if video and packet.is_keyframe and (
                self._muxer is None or at - self._started_at >= KEYFRAME_SECONDS * 0.9):
            self._cut(at)
        if self._muxer is None:
            return  # nothing before the first key frame: a segment starts with one
        packet.stream = self._muxer.streams.video[0] if video else self._muxer.streams.audio[0]
        self._muxer.mux(packet)
        if video:
            self._last_at = at

    def finish(self) -> None:
        assert self._uploader is not None
        frame = 1 / self._streams.fps if self._streams else 0.0
        self._close_segment(self._last_at + frame, ended=True)
        self._uploader.run(lambda: self.report(OutputState.STOPPED, "", {
            "playlist": f"{self.prefix}/{PLAYLIST}", "segments": len(self._segments)}))
        self._uploader.close(wait=False)

    # --- segments -----------------------------------------------------------

    def _cut(self, at: float) -> None:
        self._close_segment(at, ended=False)
        assert self._streams is not None
        self._buffer = io.BytesIO()
        self._muxer = av.open(self._buffer, "w", format="mpegts")
        self._muxer.add_stream_from_template(self._streams.video)
        self._muxer.add_stream_from_template(self._streams.audio)
        self._started_at = at

    def _close_segment(self, end: float, ended: bool) -> None:
        assert self._uploader is not None
        if self._muxer is not None and self._buffer is not None:
            self._muxer.close()
            segment = _Segment(self._next_number, max(end - self._started_at, 0.001))
            self._next_number += 1
            self._segments.append(segment)
            self._uploader.put(f"{self.prefix}/{segment.number}.ts", self._buffer.getvalue(),
                               SEGMENT_TYPE)
        if self._muxer is not None or ended:
            self._uploader.put(f"{self.prefix}/{PLAYLIST}", self._playlist(ended),
                               PLAYLIST_TYPE, then=self._playlist_stored)
            self._forget_old_segments()
        self._muxer, self._buffer = None, None

    def _forget_old_segments(self) -> None:
        """Delete the segments that left the DVR window a while ago (a player
        still fetching one just behind the window gets it)."""
        assert self._uploader is not None
        window = self._window()
        if not window:
            return
        oldest_kept = window[0].number - KEPT_BEHIND_WINDOW
        for segment in [s for s in self._segments if s.number < oldest_kept]:
            self._uploader.delete(f"{self.prefix}/{segment.number}.ts")
        self._segments = [s for s in self._segments if s.number >= oldest_kept]

    def _playlist_stored(self) -> None:
        if self._segments:
            self._went_live({"playlist": f"{self.prefix}/{PLAYLIST}"})

    def _window(self) -> list[_Segment]:
        """The segments the playlist lists: the last DVR_SECONDS."""
        window: list[_Segment] = []
        total = 0.0
        for segment in reversed(self._segments):
            if total >= DVR_SECONDS:
                break
            window.insert(0, segment)
            total += segment.duration
        return window

    def _playlist(self, ended: bool) -> bytes:
        window = self._window()
        # RFC 8216 4.3.3.1: every EXTINF rounded to the nearest integer is at
        # most the target (a segment of 2.1 s, after a late key frame, keeps 2).
        target = max([int(s.duration + 0.5) for s in window] or [KEYFRAME_SECONDS])
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
                 f"#EXT-X-MEDIA-SEQUENCE:{window[0].number if window else 0}"]
        for segment in window:
            lines += [f"#EXTINF:{segment.duration:.3f},", f"{segment.number}.ts"]
        if ended:
            lines.append("#EXT-X-ENDLIST")
        return ("\n".join(lines) + "\n").encode()
