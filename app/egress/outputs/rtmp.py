"""A broadcast: the room's encoded H.264 + AAC packets remuxed into FLV and
published to an RTMP ingest (``rtmp://`` or ``rtmps://``), no second encode.

The network is this output's alone: the media thread only copies each packet
into a bounded queue (a full queue drops packets up to the next key frame);
a sender thread connects, writes, and when the ingest drops reconnects
``RECONNECTS`` times with backoff before the output FAILS with the reason.

FFmpeg's RTMP client has no time limit on its handshake or its writes (PyAV
opens the output without options or an interrupt callback; TCP's connect
alone gives up after 5 s). So a watchdog thread fails the output when the
sender has been inside one connect or write for ``STALL_SECONDS``; the
blocked sender is abandoned (a daemon thread, it ends when the connection
does) and reports nothing more.

The URL's path holds the stream key, a secret: reasons, details and logs
name the ingest as ``scheme://host[:port]/app`` only.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from urllib.parse import urlsplit

import av
from av.container import OutputContainer
from av.stream import Stream

from app.egress.outputs import Details, EncodedStreams, OutputBase
from app.protocol.egress_api import OutputState

log = logging.getLogger(__name__)

SCHEMES = ("rtmp", "rtmps")
QUEUE_PACKETS = 400  # about 5 s of 30 fps video and its AAC frames
RECONNECTS = 3
BACKOFF_SECONDS = 1.0  # doubled at each attempt: 1, 2, 4 s
STALL_SECONDS = 10.0
STABLE_SECONDS = 10.0  # a connection that streamed this long was not the one failing
POLL_SECONDS = 0.1
# RTMP is not seekable: FFmpeg would try to rewrite the header's duration on close.
FLV_OPTIONS = {"flvflags": "no_duration_filesize"}


class BroadcastUrlError(ValueError):
    pass


def ingest_name(url: str) -> str:
    """``scheme://host[:port]/app`` of an RTMP URL: everything but the stream key."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    app_name = parts.path.strip("/").split("/", 1)[0]
    return f"{parts.scheme}://{host}{port}/{app_name}"


def check_url(url: str) -> None:
    """Refuses anything but an RTMP(S) URL with a host, an app and a stream: FFmpeg
    would as happily write ``file:`` or ``http:`` URLs from the egress's host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise BroadcastUrlError("the broadcast URL must be rtmp:// or rtmps:// with a host")
    if len([p for p in parts.path.split("/") if p]) < 2:
        raise BroadcastUrlError(f"the broadcast URL needs an app and a stream key "
                                f"({ingest_name(url)}/<key>)")


class _Stopped(Exception):
    """The output was stopped, or ended by the watchdog, while connecting."""


@dataclass
class _Copy:
    """An encoded packet copied off the media thread (the room's packet is shared)."""

    data: bytes
    pts: int
    dts: int
    time_base: Fraction
    keyframe: bool
    video: bool

    @property
    def at(self) -> Fraction:
        return self.pts * self.time_base


@dataclass
class RtmpOutput(OutputBase):
    _streams: EncodedStreams | None = None
    _queue: queue.Queue[_Copy] = field(default_factory=lambda: queue.Queue(QUEUE_PACKETS))
    _stopping: threading.Event = field(default_factory=threading.Event)
    _ended: threading.Event = field(default_factory=threading.Event)
    _end_lock: threading.Lock = field(default_factory=threading.Lock)
    _busy_since: float = 0.0  # monotonic start of the sender's connect or write; 0: idle
    _resync: bool = False  # the queue overflowed: drop until the next key frame
    _live: bool = False
    _reconnects: int = 0
    _dropped: int = 0
    _streamed: float = 0.0  # seconds of media written, over every connection

    @property
    def ingest(self) -> str:
        return ingest_name(self.spec.rtmp_url)

    def open(self, streams: EncodedStreams) -> None:
        check_url(self.spec.rtmp_url)
        self._streams = streams
        name = f"rtmp {self.spec.output_id}"
        threading.Thread(target=self._send, name=name, daemon=True).start()
        threading.Thread(target=self._watch, name=f"{name} watchdog", daemon=True).start()

    def packet(self, packet: av.Packet, video: bool) -> None:
        if self.done or packet.pts is None or packet.time_base is None:
            return
        keyframe = video and packet.is_keyframe
        if self._resync and not keyframe:
            return
        copy = _Copy(bytes(packet), packet.pts,
                     packet.dts if packet.dts is not None else packet.pts,
                     Fraction(packet.time_base), keyframe, video)
        try:
            self._queue.put_nowait(copy)
            self._resync = False
        except queue.Full:
            # The ingest takes less than the encoder makes: lose a stretch, not the room.
            self._resync = True
            self._dropped += 1

    def finish(self) -> None:
        self._stopping.set()

    # --- the sender thread ------------------------------------------------------

    def _send(self) -> None:
        attempt = 0
        while not self._ended.is_set():
            connected_at = time.monotonic()
            try:
                self._publish(fresh=self._reconnects > 0)
                self._end(OutputState.STOPPED, "")
                return
            except _Stopped:
                self._end(OutputState.STOPPED, "")
                return
            except (av.FFmpegError, OSError) as exc:
                reason = getattr(exc, "strerror", None) or type(exc).__name__
            except Exception as exc:  # a bug: fail this output, not the room
                log.exception("rtmp %s: sender failed", self.spec.output_id)
                self._end(OutputState.FAILED, f"the broadcast to {self.ingest} broke: {exc}")
                return
            finally:
                self._busy_since = 0.0
            if self._ended.is_set():  # the watchdog gave up on this connection
                return
            if self._stopping.is_set():
                self._end(OutputState.STOPPED, "")
                return
            if time.monotonic() - connected_at >= STABLE_SECONDS:
                attempt = 0
            attempt += 1
            if attempt > RECONNECTS:
                self._end(OutputState.FAILED,
                          f"the RTMP ingest {self.ingest} failed {attempt} times in a row; "
                          f"last: {reason}")
                return
            log.warning("rtmp %s: %s: %s; again in %.0f s", self.spec.output_id, self.ingest,
                        reason, BACKOFF_SECONDS * 2 ** (attempt - 1))
            if self._stopping.wait(BACKOFF_SECONDS * 2 ** (attempt - 1)):
                self._end(OutputState.STOPPED, "")
                return
            self._reconnects += 1

    def _publish(self, fresh: bool) -> None:
        """One connection: from the first key frame queued until stopped (returns)
        or until the ingest fails (raises)."""
        assert self._streams is not None
        self._busy_since = time.monotonic()
        container = av.open(self.spec.rtmp_url, "w", format="flv",
                            container_options=FLV_OPTIONS)
        try:
            video = container.add_stream_from_template(self._streams.video)
            audio = container.add_stream_from_template(self._streams.audio)
            container.start_encoding()  # connects: the RTMP handshake and publish
            self._busy_since = 0.0
            if self._ended.is_set():
                raise _Stopped()
            if fresh:  # what waited in the queue during a reconnection is stale
                self._discard_queued()
            self._write(container, video, audio)
            self._busy_since = time.monotonic()
            container.close()
        except BaseException:
            with contextlib.suppress(av.FFmpegError, OSError):
                container.close()
            raise

    def _write(self, container: OutputContainer, video: Stream, audio: Stream) -> None:
        start: Fraction | None = None
        last: Fraction | None = None  # this connection's latest video packet
        while (copy := self._next()) is not None:
            if start is None:
                if not copy.keyframe:
                    continue  # a connection starts at a key frame
                start = copy.at
            shift = round(start / copy.time_base)
            if copy.pts < shift:
                continue  # audio from before that key frame
            packet = av.Packet(copy.data)
            packet.pts, packet.dts = copy.pts - shift, max(copy.dts - shift, 0)
            packet.time_base = copy.time_base
            packet.is_keyframe = copy.keyframe
            packet.stream = video if copy.video else audio
            self._busy_since = time.monotonic()
            container.mux(packet)
            self._busy_since = 0.0
            if copy.video:
                self._streamed += float(copy.at - (last or start))
                last = copy.at
                if not self._live:
                    self._live = True
                    self.report(OutputState.LIVE, "", self._details())

    def _next(self) -> _Copy | None:
        """The next queued packet; None once stopped and everything queued is sent."""
        while not self._ended.is_set():
            try:
                return self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if self._stopping.is_set():
                    return None
        return None

    def _discard_queued(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    # --- the end ---------------------------------------------------------------

    def _watch(self) -> None:
        while not self._ended.wait(1.0):
            since = self._busy_since
            if since and time.monotonic() - since > STALL_SECONDS:
                self._end(OutputState.FAILED, f"the RTMP ingest {self.ingest} did not answer "
                                              f"for {STALL_SECONDS:.0f} s")

    def _end(self, state: OutputState, reason: str) -> None:
        """Report the final state once (the sender and the watchdog may race)."""
        with self._end_lock:
            if self._ended.is_set():
                return
            self._ended.set()
            self.done = True
        if state is OutputState.FAILED:
            log.warning("rtmp %s: %s", self.spec.output_id, reason)
        self.report(state, reason, self._details())

    def _details(self) -> Details:
        return {"ingest": self.ingest, "seconds": round(self._streamed, 3),
                "reconnects": self._reconnects, "dropped_packets": self._dropped}
