"""What an output is: something fed by the room's one encode.

The room's media thread (never the event loop) drives every output of a
session through this interface, in this order:

1. ``open(streams)`` once, before anything else: ``streams`` holds the
   encoder's video and audio streams, to copy into a muxer with
   ``container.add_stream_from_template(streams.video)`` (their codec
   parameters, extradata included: H.264 Annex B with SPS/PPS also repeated
   in every key frame, so MPEG-TS, MP4 and FLV muxers all take the packets).
2. ``packet(packet, video)`` for every encoded packet from then on, video and
   audio interleaved by time. The first video packet an output sees after
   ``open`` may not be a key frame: wait for ``packet.is_keyframe``. The
   packet is shared by every output of the room: mux it at once (set
   ``packet.stream`` to your own stream; ``mux`` rebases its timestamps),
   do not keep it or change its data.
3. ``picture(frame, videos)`` for every composed picture (yuv420p
   ``av.VideoFrame``; ``videos``: how many of its tiles show someone's
   video), only when ``wants_pictures`` is true (the snapshot).
4. ``finish()`` once when the output is stopped (``StopOutput``, the session
   ended, the egress shutting down): flush and close the muxer, hand the last
   bytes to the uploader; must not block on the network.

Any exception from these methods fails that output alone (event FAILED with
the exception as the reason); the room goes on with the others. An output
reports its own progress with ``report`` (any thread): LIVE once viewers or
storage have something, STOPPED (with details) once everything is written,
FAILED with a reason. ``done`` true: the output has finished by itself
(a snapshot once written) and the room drops it.

Outputs that write to storage do so through an ``Uploader`` (one thread per
output, jobs in order), so a slow store never stalls the encode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import av
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

from app.egress.outputs.uploader import Store, Uploader
from app.protocol.egress_api import OutputSpec, OutputState

Details = dict[str, str | int | float]
# report(state, reason, details): thread-safe; the room turns it into an OutputEvent.
Report = Callable[[OutputState, str, Details], None]


@dataclass
class EncodedStreams:
    """The templates of the room's one encode (see ``encoder.Encoder``)."""

    video: VideoStream
    audio: AudioStream
    width: int
    height: int
    fps: int
    sample_rate: int


class Output(Protocol):
    spec: OutputSpec
    wants_pictures: bool
    done: bool

    def open(self, streams: EncodedStreams) -> None: ...

    def packet(self, packet: av.Packet, video: bool) -> None: ...

    def picture(self, frame: av.VideoFrame, videos: int) -> None: ...

    def finish(self) -> None: ...


@dataclass
class OutputBase:
    """Defaults for outputs that want packets only (HLS, recording, RTMP)."""

    spec: OutputSpec
    report: Report
    wants_pictures: bool = False
    done: bool = False
    details: Details = field(default_factory=dict)

    def picture(self, frame: av.VideoFrame, videos: int = 0) -> None:
        pass


@dataclass
class StoredOutput(OutputBase):
    """An output that writes to storage (HLS, recording, snapshot) through
    its own ``Uploader``; ``prefix`` is where (egress_api's layout)."""

    store: Store | None = None
    _streams: EncodedStreams | None = None
    _uploader: Uploader | None = None
    _live: bool = False

    @property
    def prefix(self) -> str:
        return self.spec.storage_prefix.rstrip("/")

    def open(self, streams: EncodedStreams) -> None:
        assert self.store is not None
        self._streams = streams
        self._uploader = Uploader(self.store, self.spec.output_id, self._failed)

    def _went_live(self, details: Details | None = None) -> None:
        """In the upload thread, once viewers or the web have something."""
        if not self._live:
            self._live = True
            self.report(OutputState.LIVE, "", details or {})

    def _failed(self, reason: str) -> None:
        self.report(OutputState.FAILED, reason, {})
