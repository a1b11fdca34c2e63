"""A broadcast: the room's encoded H.264 + AAC packets remuxed into FLV and
published to an RTMP ingest (``rtmp://`` or ``rtmps://``), no second encode.

The network is this output's alone: the media thread only copies each packet
into a bounded queue (a full queue drops packets up to the next key frame);
a sender thread muxes them into FLV and pipes it to a child process that
holds the RTMP connection (rtmp_push.py says why a process). When the ingest
drops, the sender starts another child, ``RECONNECTS`` times with backoff,
then the output FAILS with the reason. A child that has not connected, or
does not take what it is sent, within ``STALL_SECONDS`` is killed and counts
as a failed attempt.

The URL's path holds the stream key, a secret: reasons, details and logs
name the ingest as ``scheme://host[:port]/app`` only.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NoReturn
from urllib.parse import urlsplit

import av
from av.stream import Stream

from app.egress.outputs import Details, EncodedStreams, OutputBase
from app.egress.outputs.rtmp_push import FLV_OPTIONS, PARENT_VARIABLE, URL_VARIABLE
from app.protocol.egress_api import OutputState

log = logging.getLogger(__name__)

SCHEMES = ("rtmp", "rtmps")
QUEUE_PACKETS = 400  # about 5 s of 30 fps video and its AAC frames
RECONNECTS = 3
BACKOFF_SECONDS = 1.0  # doubled at each attempt: 1, 2, 4 s
STALL_SECONDS = 10.0
STABLE_SECONDS = 10.0  # a connection that sent this much video was not the one failing
POLL_SECONDS = 0.1
CHILD = [sys.executable, "-m", "app.egress.outputs.rtmp_push"]


class BroadcastUrlError(ValueError):
    pass


class IngestError(Exception):
    """One connection to the ingest failed; ``str()`` says why, without the key."""


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


class _Connection:
    """One connection: an rtmp_push child and the FLV muxer that feeds its stdin."""

    def __init__(self, url: str, streams: EncodedStreams):
        self.child = subprocess.Popen(CHILD, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      env={**os.environ, URL_VARIABLE: url,
                                           PARENT_VARIABLE: str(os.getpid())})
        self.connected = threading.Event()
        self.reason = ""  # the child's own, once it failed
        self.killed = ""  # why the watchdog killed it
        self._reader = threading.Thread(target=self._read, name="rtmp push stdout",
                                        daemon=True)
        self._reader.start()
        assert self.child.stdin is not None
        self.muxer = av.open(self.child.stdin, "w", format="flv", container_options=FLV_OPTIONS)
        self.video: Stream = self.muxer.add_stream_from_template(streams.video)
        self.audio: Stream = self.muxer.add_stream_from_template(streams.audio)

    def _read(self) -> None:
        assert self.child.stdout is not None
        for raw in self.child.stdout:
            line = raw.decode(errors="replace").strip()
            if line == "connected":
                self.connected.set()
            elif line.startswith("failed "):
                self.reason = line.removeprefix("failed ")

    def close(self) -> None:
        """Flush what is muxed, let the child finish sending it; raises IngestError
        when the connection did not end well."""
        try:
            self.muxer.close()
            assert self.child.stdin is not None
            self.child.stdin.close()
        except (av.FFmpegError, OSError, ValueError) as exc:
            self.fail(exc)
        if not self.connected.is_set():  # nothing it holds will reach anyone
            self.kill("stopped before the ingest accepted the stream")
        try:
            code = self.child.wait(STALL_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill(f"did not finish sending within {STALL_SECONDS:.0f} s")
            code = self.child.wait()
        if code != 0:
            self.fail(None)

    def fail(self, exc: BaseException | None) -> NoReturn:
        """Raise IngestError with the best reason known: the watchdog's, the child's,
        then the pipe's; the child is gone after it."""
        self.kill("")
        self.child.wait()
        self._reader.join(1.0)  # its last words, if any, are the reason
        reason = self.killed or self.reason or \
            (exc and (getattr(exc, "strerror", None) or type(exc).__name__)) or \
            f"the connection ended (exit code {self.child.returncode})"
        raise IngestError(reason)

    def kill(self, why: str) -> None:
        if self.child.poll() is None:
            self.killed = self.killed or why
            self.child.kill()


@dataclass
class RtmpOutput(OutputBase):
    _streams: EncodedStreams | None = None
    _queue: queue.Queue[_Copy] = field(default_factory=lambda: queue.Queue(QUEUE_PACKETS))
    _stopping: threading.Event = field(default_factory=threading.Event)
    _ended: threading.Event = field(default_factory=threading.Event)
    _end_lock: threading.Lock = field(default_factory=threading.Lock)
    _connection: _Connection | None = None
    # Monotonic start of what the sender waits on (the child to connect, a write
    # into its pipe); 0: it waits on nothing the ingest owes.
    _waiting_since: float = 0.0
    _resync: bool = False  # the queue overflowed: drop until the next key frame
    _live: bool = False
    _reconnects: int = 0
    _dropped: int = 0
    _streamed: float = 0.0  # seconds of video sent, over every connection

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
        while True:
            streamed = self._streamed
            try:
                self._publish(fresh=self._reconnects > 0)
                self._end(OutputState.STOPPED, "")
                return
            except IngestError as exc:
                reason = str(exc)
            except Exception as exc:  # a bug: fail this output, not the room
                log.exception("rtmp %s: sender failed", self.spec.output_id)
                self._end(OutputState.FAILED, f"the broadcast to {self.ingest} broke: {exc}")
                return
            finally:
                self._waiting_since, self._connection = 0.0, None
            if self._stopping.is_set():
                self._end(OutputState.STOPPED, "")
                return
            attempt = 1 if self._streamed - streamed >= STABLE_SECONDS else attempt + 1
            if attempt > RECONNECTS:
                self._end(OutputState.FAILED, f"the RTMP ingest {self.ingest} failed "
                                              f"{attempt} times in a row; last: {reason}")
                return
            backoff = BACKOFF_SECONDS * 2 ** (attempt - 1)
            log.warning("rtmp %s: %s: %s; again in %.0f s", self.spec.output_id, self.ingest,
                        reason, backoff)
            if self._stopping.wait(backoff):
                self._end(OutputState.STOPPED, "")
                return
            self._reconnects += 1

    def _publish(self, fresh: bool) -> None:
        """One connection, from the first key frame queued until stopped (returns) or
        until the ingest fails (raises IngestError)."""
        assert self._streams is not None
        if fresh:  # what waited in the queue during a reconnection is stale
            self._discard_queued()
        connection = self._connection = _Connection(self.spec.rtmp_url, self._streams)
        try:
            self._write(connection)
        except (av.FFmpegError, OSError, ValueError) as exc:
            connection.fail(exc)
        except BaseException:
            connection.kill("")
            connection.child.wait()
            raise
        connection.close()

    def _write(self, connection: _Connection) -> None:
        start: Fraction | None = None
        last: Fraction | None = None  # this connection's latest video packet
        while (copy := self._next()) is not None:
            if connection.child.poll() is not None:
                # Gone (killed by the watchdog, or failed): the muxer may be holding
                # packets to interleave, so no write would tell.
                connection.fail(None)
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
            packet.stream = connection.video if copy.video else connection.audio
            # Until the child has connected, the wait runs from this connection's
            # first write; from then on, through each write.
            if connection.connected.is_set() or not self._waiting_since:
                self._waiting_since = time.monotonic()
            connection.muxer.mux(packet)
            if connection.connected.is_set():
                self._waiting_since = 0.0
            if copy.video and connection.connected.is_set():
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

    # --- the watchdog and the end -------------------------------------------------

    def _watch(self) -> None:
        """Kills a child that has not connected, or does not read, for STALL_SECONDS:
        the sender then sees a broken pipe and counts a failed attempt."""
        while not self._ended.wait(1.0):
            since, connection = self._waiting_since, self._connection
            if since and connection is not None and time.monotonic() - since > STALL_SECONDS:
                connection.kill(f"the ingest did not answer for {STALL_SECONDS:.0f} s")

    def _end(self, state: OutputState, reason: str) -> None:
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
