"""The recording: fragmented MP4 (or AAC-only for audio recordings) stored
chunk by chunk as ``<prefix>/chunks/init.mp4`` and ``<prefix>/chunks/<n>.m4s``
while it runs, so a crash loses at most the fragment in progress. The web
assembles the file from the chunks once the recording stops."""

from __future__ import annotations

import fractions
from dataclasses import dataclass

import av
from av.container import OutputContainer

from app.egress.outputs import StoredOutput
from app.egress.outputs.chunks import ChunkWriter
from app.protocol.egress_api import OutputState

VIDEO_FLAGS = "frag_keyframe+empty_moov+default_base_moof+skip_trailer"
# Audio only: every packet is a key frame, so fragments are cut by time.
AUDIO_FLAGS = "empty_moov+default_base_moof+skip_trailer"
AUDIO_FRAGMENT_MICROSECONDS = 2_000_000


@dataclass
class RecordingOutput(StoredOutput):
    _writer: ChunkWriter | None = None
    _muxer: OutputContainer | None = None
    _start: float | None = None  # room time (s) of the recording's first packet
    _end: float = 0.0

    def packet(self, packet: av.Packet, video: bool) -> None:
        if (video and self.spec.audio_only) or packet.pts is None or packet.time_base is None:
            return
        at = float(packet.pts * packet.time_base)
        if self._muxer is None:
            # Video recordings start at a key frame, audio ones at once.
            if video != (not self.spec.audio_only) or (video and not packet.is_keyframe):
                return
            self._start_muxer(at)
        assert self._muxer is not None and self._start is not None
        if at < self._start:
            return  # audio encoded just before the first key frame
        self._mux_from_zero(packet, video)
        self._end = max(self._end, at + _duration(packet))

    def finish(self) -> None:
        assert self._uploader is not None
        if self._muxer is not None:
            self._muxer.close()
        if self._writer is not None:
            self._writer.close()
        writer = self._writer
        duration = self._end - self._start if self._start is not None else 0.0
        self._uploader.run(lambda: self.report(OutputState.STOPPED, "", {
            "chunks": writer.chunks if writer else 0,
            "duration_seconds": round(duration, 3),
            "size_bytes": writer.size if writer else 0}))
        self._uploader.close(wait=False)

    def _start_muxer(self, at: float) -> None:
        assert self._streams is not None
        self._start = at
        self._writer = ChunkWriter(self._store_chunk)
        if self.spec.audio_only:
            options = {"movflags": AUDIO_FLAGS,
                       "frag_duration": str(AUDIO_FRAGMENT_MICROSECONDS)}
        else:
            options = {"movflags": VIDEO_FLAGS}
        self._muxer = av.open(self._writer, "w", format="mp4", options=options)
        if not self.spec.audio_only:
            self._muxer.add_stream_from_template(self._streams.video)
        self._muxer.add_stream_from_template(self._streams.audio)

    def _mux_from_zero(self, packet: av.Packet, video: bool) -> None:
        """Mux ``packet`` shifted so the recording starts at 0; put it back as
        it was for the room's other outputs."""
        assert self._muxer is not None and self._start is not None
        pts, dts, base = packet.pts, packet.dts, packet.time_base
        assert pts is not None and base is not None
        shift = round(fractions.Fraction(self._start) / base)
        packet.pts = pts - shift
        packet.dts = dts - shift if dts is not None else None
        packet.stream = self._muxer.streams.video[0] if video else self._muxer.streams.audio[0]
        try:
            self._muxer.mux(packet)
        finally:
            # mux rebased it to this muxer's time base: back to the room's.
            packet.time_base, packet.pts, packet.dts = base, pts, dts

    def _store_chunk(self, name: str, data: bytes) -> None:
        assert self._uploader is not None
        then = self._went_live if name != "init.mp4" else None
        self._uploader.put(f"{self.prefix}/chunks/{name}", data,
                           "audio/mp4" if self.spec.audio_only else "video/mp4", then=then)


def _duration(packet: av.Packet) -> float:
    if packet.duration and packet.time_base is not None:
        return float(packet.duration * packet.time_base)
    return 0.0
