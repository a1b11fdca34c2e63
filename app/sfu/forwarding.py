"""Forwarding one published track to its subscribers without decoding it.

A ``Publication`` gets each RTP packet of a publisher's track once, strips its
header extensions, caches it for retransmission, and hands the bytes to every
``DownTrack``. A down track rewrites payload type, sequence number, timestamp
and SSRC for its subscriber, so the subscriber sees one continuous stream even
when the publisher reconnects or unmutes (a new upstream SSRC, or an unmute,
starts a new *epoch*). A down track queues into its subscriber's
``SubscriberOutput``: a bounded queue drained by that subscriber's own task, so
a slow or dead subscriber only ever loses its own packets. A ``SendSlot`` (one
send transceiver of the subscriber) carries one down track at a time and goes
on with the same stream when the next one takes over.

Nothing here assumes that all subscribers of a track are in this process: a
relay to another node would be one more down track.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiortc import RTCRtpSender, RTCRtpTransceiver
from aiortc.rtp import RtpPacket

from app.sfu.aiortc_hooks import NO_EXTENSIONS, hook_sender, sender_ssrc, set_sender_report
from app.sfu.rtp import rewrite_header, seq_add, starts_keyframe, ts_add

log = logging.getLogger(__name__)

CACHE_PACKETS = 1024  # ~1 s of 8 Mbit/s video: enough to answer NACKs in time
OUTPUT_QUEUE_PACKETS = 1024


@dataclass(slots=True)
class _Cached:
    sequence_number: int
    timestamp: int
    epoch: int
    raw: bytes


class AudioActivity:
    """Who is talking, from the ssrc-audio-level header extension (RFC 6464):
    no decoding. Levels are -dBov, 0 (loudest) to 127 (silence)."""

    THRESHOLD = 45  # louder than -45 dBov counts as speech
    WINDOW = 0.5  # seconds

    def __init__(self) -> None:
        self._loud = 0
        self._total = 0
        self.talking = False

    def add(self, level: int) -> None:
        self._total += 1
        if level < self.THRESHOLD:
            self._loud += 1

    def update(self) -> bool:
        """Re-evaluate over the packets since the last call; True if it changed."""
        talking = self._total > 0 and self._loud / self._total > 0.4
        self._loud = self._total = 0
        changed, self.talking = talking != self.talking, talking
        return changed


@dataclass
class PacketTotals:
    """Packets of the subscribers whose outputs have stopped, in this process:
    /metrics adds the live outputs' counts (app/sfu/metrics.py), so its
    counters never go down when someone leaves."""

    sent: int = 0
    dropped: int = 0


RETIRED = PacketTotals()


class SubscriberOutput:
    """One subscriber's bounded queue of encrypted-to-be RTP packets."""

    def __init__(self, name: str, send: Callable[[RTCRtpSender, bytes], Awaitable[None]],
                 capacity: int = OUTPUT_QUEUE_PACKETS):
        self.name = name
        self._send = send
        self._queue: deque[tuple[RTCRtpSender, bytes]] = deque(maxlen=capacity)
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.sent = 0
        self.dropped = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"output {self.name}")

    @property
    def running(self) -> bool:
        """Started and not stopped: its counts are not yet in ``RETIRED``."""
        return self._task is not None

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
            RETIRED.sent += self.sent
            RETIRED.dropped += self.dropped

    def push(self, sender: RTCRtpSender, data: bytes) -> None:
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1  # the oldest goes: late video is useless anyway
        self._queue.append((sender, data))
        self._ready.set()

    async def _run(self) -> None:
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                while self._queue:
                    sender, data = self._queue.popleft()
                    try:
                        await self._send(sender, data)
                        self.sent += 1
                    except ConnectionError:
                        self.dropped += 1  # not connected yet, or closing
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("output %s stopped", self.name)
        finally:
            log.debug("output %s exited", self.name)


class Publication:
    """A published track and the down tracks that forward it."""

    def __init__(self, track_id: str, participant_id: str, source: str, kind: str,
                 keyframe_interval: float):
        self.track_id = track_id
        self.participant_id = participant_id
        self.source = source
        self.kind = kind
        self.muted = False
        self.codec = ""
        self.clock_rate = 90000 if kind == "video" else 48000
        self.down: dict[str, DownTrack] = {}
        self.audio = AudioActivity()
        self.epoch = 0
        self.upstream_ssrc: int | None = None
        self.last_sender_report: tuple[int, int] | None = None
        self._cache: list[_Cached | None] = [None] * CACHE_PACKETS
        self._request_keyframe: Callable[[int], None] = lambda ssrc: None
        self._keyframe_interval = keyframe_interval
        self._last_keyframe_request = 0.0
        self._keyframe_wanted = False
        self.packets = 0

    def bind(self, request_keyframe: Callable[[int], None]) -> None:
        """Take packets from a (new) upstream; ``request_keyframe(ssrc)`` sends it a PLI."""
        self._request_keyframe = request_keyframe

    def set_muted(self, muted: bool) -> None:
        """Stop forwarding (and hearing) this track, or go on."""
        self.muted = muted
        if not muted:
            # Upstream went on while muted and none of it was forwarded: a new
            # epoch makes every down track continue its sequence numbers at
            # the next key frame, as after a reconnect, instead of leaving a
            # gap that subscribers would NACK in vain (nothing was cached).
            self.epoch += 1
            self.request_keyframe(at_once=True)

    # --- upstream (aiortc_hooks.Upstream) ---------------------------------

    def on_rtp(self, packet: RtpPacket, codec: str, clock_rate: int) -> None:
        self.packets += 1
        if packet.ssrc != self.upstream_ssrc:
            self.upstream_ssrc = packet.ssrc
            self.epoch += 1
            self.codec, self.clock_rate = codec, clock_rate
            self.last_sender_report = None
            if self.kind == "video" and self.down:
                self.request_keyframe()  # down tracks wait for one to switch over
        if self.muted:
            return  # a muted track is neither forwarded nor talking
        if self.kind == "audio" and packet.extensions.audio_level is not None:
            self.audio.add(packet.extensions.audio_level[1])
        if not self.down:
            return
        raw = packet.serialize(NO_EXTENSIONS)
        seq, ts = packet.sequence_number, packet.timestamp
        key = self.kind != "video" or starts_keyframe(codec, packet.payload)
        if self.kind == "video":
            self._cache[seq % CACHE_PACKETS] = _Cached(seq, ts, self.epoch, raw)
            if key:
                self._keyframe_wanted = False
            elif self._keyframe_wanted:
                self.request_keyframe()  # the last request may have been lost
        for down in self.down.values():
            down.forward(raw, seq, ts, key, self.epoch)

    def on_sender_report(self, ntp_timestamp: int, rtp_timestamp: int) -> None:
        self.last_sender_report = (ntp_timestamp, rtp_timestamp)
        for down in self.down.values():
            down.on_upstream_report(ntp_timestamp, rtp_timestamp)

    # --- for down tracks ----------------------------------------------------

    def request_keyframe(self, at_once: bool = False) -> None:
        """Ask the publisher for a key frame, at most once per interval
        unless ``at_once`` (every subscriber is waiting for one)."""
        if self.kind != "video" or self.upstream_ssrc is None:
            self._keyframe_wanted = self.kind == "video"
            return
        self._keyframe_wanted = True
        now = time.monotonic()
        if at_once or now - self._last_keyframe_request >= self._keyframe_interval:
            self._last_keyframe_request = now
            self._request_keyframe(self.upstream_ssrc)

    def cached(self, sequence_number: int, epoch: int) -> _Cached | None:
        entry = self._cache[sequence_number % CACHE_PACKETS]
        if entry is None or entry.sequence_number != sequence_number or entry.epoch != epoch:
            return None
        return entry

    def add_down_track(self, subscriber_id: str, down: DownTrack) -> None:
        # The key frame is asked for once the down track is negotiated (its
        # DTLS is up): one asked for now would arrive before it could be sent.
        self.down[subscriber_id] = down

    def remove_down_track(self, subscriber_id: str) -> DownTrack | None:
        return self.down.pop(subscriber_id, None)


class DownTrack:
    """One subscriber's copy of a publication, on one of its senders."""

    def __init__(self, publication: Publication, sender: RTCRtpSender, ssrc: int,
                 output: SubscriberOutput):
        self.publication = publication
        self.sender = sender
        self.ssrc = ssrc
        self.output = output
        self.payload_types: dict[str, int] | None = None  # once negotiated
        self.payload_type: int | None = None  # for the current epoch's codec
        self.epoch = 0  # publications count from 1: the first packet rebases
        self.seq_offset = 0
        self.ts_offset = 0
        self.next_seq = random.getrandbits(16)
        self.last_ts = random.getrandbits(32)
        self.last_sent = 0.0
        self.packets = 0
        self.octets = 0
        self.retransmitted = 0

    # --- aiortc_hooks.Downstream ------------------------------------------

    def on_negotiated(self, payload_types: dict[str, int]) -> None:
        """The subscriber's payload types by codec name; forwarding can start."""
        self.payload_types = payload_types
        self.publication.request_keyframe()

    def on_nack(self, lost: list[int]) -> None:
        pt = self.payload_type
        if pt is None:
            return
        for out_seq in lost:
            entry = self.publication.cached(seq_add(out_seq, -self.seq_offset), self.epoch)
            if entry is not None:
                self.retransmitted += 1
                self.output.push(self.sender, rewrite_header(
                    entry.raw, pt, out_seq, ts_add(entry.timestamp, self.ts_offset), self.ssrc))

    def on_keyframe_request(self) -> None:
        self.publication.request_keyframe()

    # --- from the publication --------------------------------------------------

    def forward(self, raw: bytes, seq: int, ts: int, key: bool, epoch: int) -> None:
        if epoch != self.epoch:
            if not key or self.payload_types is None:
                return  # a decoder can only start (or switch streams) at a key frame
            if not self._rebase(seq, ts, epoch):
                return
        pt = self.payload_type
        assert pt is not None
        out_seq = seq_add(seq, self.seq_offset)
        out_ts = ts_add(ts, self.ts_offset)
        self.output.push(self.sender, rewrite_header(raw, pt, out_seq, out_ts, self.ssrc))
        if seq_add(out_seq, -self.next_seq) < 0x8000:  # not a late, reordered packet
            self.next_seq = seq_add(out_seq, 1)
            self.last_ts = out_ts
        self.last_sent = time.monotonic()
        self.packets += 1
        self.octets += len(raw) - 12

    def on_upstream_report(self, ntp_timestamp: int, rtp_timestamp: int) -> None:
        """Relay the publisher's clock mapping, in this stream's timestamps."""
        if self.payload_type is None or self.epoch != self.publication.epoch:
            return
        set_sender_report(self.sender, ntp_timestamp, ts_add(rtp_timestamp, self.ts_offset),
                          self.packets, self.octets)

    def _rebase(self, seq: int, ts: int, epoch: int) -> bool:
        """Continue this stream where it left off with a new upstream position
        (and perhaps codec); False if the subscriber cannot take that codec."""
        assert self.payload_types is not None
        codec = self.publication.codec.upper()
        self.payload_type = self.payload_types.get(codec)
        if self.payload_type is None:
            if self.epoch != -epoch:  # say it once per epoch
                log.warning("subscriber did not accept %s for %s", codec,
                            self.publication.track_id)
                self.epoch = -epoch
            return False
        if self.last_sent:
            elapsed = max(time.monotonic() - self.last_sent, 0.001)
            next_ts = ts_add(self.last_ts, int(elapsed * self.publication.clock_rate))
        else:
            next_ts = self.last_ts
        self.seq_offset = seq_add(self.next_seq, -seq)
        self.ts_offset = ts_add(next_ts, -ts)
        self.epoch = epoch
        return True


class SendSlot:
    """A send transceiver of the subscriber's peer connection. It outlives the
    publications it carries: when one ends, the slot idles until the next
    track of its kind, continuing the same RTP stream."""

    def __init__(self, transceiver: RTCRtpTransceiver, output: SubscriberOutput):
        self.transceiver = transceiver
        self.kind = transceiver.kind
        self.output = output
        self.payload_types: dict[str, int] | None = None
        self.down: DownTrack | None = None
        self._position: tuple[int, int, float] | None = None  # of the last down track
        hook_sender(transceiver.sender, self)

    def carry(self, publication: Publication) -> DownTrack:
        down = DownTrack(publication, self.transceiver.sender,
                         sender_ssrc(self.transceiver.sender), self.output)
        if self._position is not None:  # one continuous stream for the subscriber
            down.next_seq, down.last_ts, down.last_sent = self._position
        self.down = down
        self.transceiver.direction = "sendonly"
        if self.payload_types is not None:
            down.on_negotiated(self.payload_types)
        return down

    def release(self) -> None:
        """Stop carrying the current publication; idle until the next."""
        if self.down is not None:
            self._position = (self.down.next_seq, self.down.last_ts, self.down.last_sent)
        self.down = None
        self.transceiver.direction = "inactive"

    # aiortc_hooks.Downstream
    def on_negotiated(self, payload_types: dict[str, int]) -> None:
        self.payload_types = payload_types
        if self.down is not None and self.down.payload_types is None:
            self.down.on_negotiated(payload_types)

    def on_nack(self, lost: list[int]) -> None:
        if self.down is not None:
            self.down.on_nack(lost)

    def on_keyframe_request(self) -> None:
        if self.down is not None:
            self.down.on_keyframe_request()
