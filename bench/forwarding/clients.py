"""Benchmark WebRTC clients in a process of their own: the publisher, or a group of subscribers.

``bench/sfu.py`` starts a few of these (``python -m bench.forwarding.clients --address A``) so that
the clients' CPU is not counted as the forwarding process's, and drives each with one JSON
object per line on stdin/stdout: a request ``{"id": N, "op": ..., ...}`` is answered
``{"id": N, ...}`` or ``{"id": N, "error": "..."}``. Signalling is not done here (every
system under test has its own); this process only makes offers and answers. It exits when
its stdin closes, so it never outlives the benchmark.

The publisher sends a clip encoded once at start (VP8, 640x480, 30 fps, CBR): no encoder runs
while it sends, so its CPU is low and steady, and the bitrate is what the clip measures.
Subscribers count RTP packets instead of decoding them (16 decoders would need more CPU than
the machine has); each decodes only until its first frame, the join latency figure.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

import aioice.ice
import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket
from aiortc.sdp import SessionDescription, candidate_from_sdp

WIDTH, HEIGHT, FPS = 640, 480, 30
CLIP_IMAGES = 60  # distinct images, cycled
CLIP_FRAMES = 150  # a 5 s loop that starts with a key frame
CLIP_BITRATE = 2_000_000
# A moving block of noise over a moving gradient: a 192x144 block makes libvpx's CBR spend
# about 2 Mbit/s at 640x480 (a larger block overshoots the target, a smaller one undershoots).
NOISE_W, NOISE_H = 192, 144
RTP_CLOCK = 90_000
SEQ_MOD = 1 << 16

log = logging.getLogger("bench.forwarding.clients")


def restrict_ice_gathering(address: str) -> None:
    """Make aioice gather host candidates on ``address`` only.

    aioice gathers on every interface address but 127.0.0.1 and ::1; the bench must never
    offer the machine's own interface address (media.md), and needs 127.0.0.1 itself."""
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [address]


# --- the publisher's clip --------------------------------------------------------------


@dataclass(frozen=True)
class Clip:
    """Encoded frames; the first is a key frame, each other is predicted from the one before
    it. Sent in a loop, and from the start again on a key frame request, a decoder always
    has the reference frames the encoder had: no drift (a re-encoding relay fed a drifting
    picture spends far more than the publisher's bitrate)."""

    frames: tuple[bytes, ...]

    @property
    def bitrate(self) -> float:
        """Bits per second of the loop, as sent."""
        return sum(len(frame) for frame in self.frames) * 8 * FPS / len(self.frames)


def _image(index: int, rng: random.Random) -> av.VideoFrame:
    frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
    luma = frame.planes[0]
    padding = b"\0" * (luma.line_size - WIDTH)
    gradient = bytes(((x * 256) // WIDTH + 6 * index) & 255 for x in range(WIDTH)) * 2
    x0 = (index * 8) % (WIDTH - NOISE_W)
    y0 = (index * 4) % (HEIGHT - NOISE_H)
    noise = rng.randbytes(NOISE_W * NOISE_H)
    rows = []
    for y in range(HEIGHT):
        start = (y // 2) % WIDTH
        row = gradient[start:start + WIDTH]
        if y0 <= y < y0 + NOISE_H:
            k = (y - y0) * NOISE_W
            row = row[:x0] + noise[k:k + NOISE_W] + row[x0 + NOISE_W:]
        rows.append(row + padding)
    luma.update(b"".join(rows))
    for plane, value in ((frame.planes[1], index * 3), (frame.planes[2], 255 - index * 3)):
        plane.update(bytes([value & 255]) * (plane.line_size * plane.height))
    return frame


def _vp8_encoder(bitrate: int) -> av.VideoCodecContext:
    # aiortc's own VP8 settings (aiortc/codecs/vpx.py), at our bitrate: aiortc caps its
    # encoder at 1.5 Mbit/s, which is why the clip is not encoded by aiortc's sender.
    codec = av.CodecContext.create("libvpx", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    codec.bit_rate = bitrate
    codec.time_base = Fraction(1, FPS)
    codec.framerate = Fraction(FPS)
    codec.gop_size = 3000
    codec.qmin, codec.qmax = 2, 56
    codec.options = {
        "bufsize": str(bitrate), "cpu-used": "-6", "deadline": "realtime", "lag-in-frames": "0",
        "minrate": str(bitrate), "maxrate": str(bitrate), "noise-sensitivity": "4",
        "overshoot-pct": "15", "partitions": "0", "static-thresh": "1", "undershoot-pct": "100",
    }
    return codec


def encode_clip(bitrate: int = CLIP_BITRATE, frames: int = CLIP_FRAMES) -> Clip:
    """The looping clip (a few seconds of CPU, once per publisher process)."""
    rng = random.Random(CLIP_IMAGES)  # the same clip in every run
    images = [_image(i, rng) for i in range(CLIP_IMAGES)]
    codec = _vp8_encoder(bitrate)
    encoded = []
    # Encoded twice over, keeping the second: by then the rate control has settled, at the
    # rate a long-running camera sends; its first frame is forced to be a key frame.
    for pts in range(2 * frames):
        image = images[pts % CLIP_IMAGES]
        image.pts = pts
        image.pict_type = av.video.frame.PictureType.I if pts == frames else \
            av.video.frame.PictureType.NONE
        encoded.append(b"".join(bytes(packet) for packet in codec.encode(image)))
    return Clip(frames=tuple(encoded[frames:]))


class ClipTrack(MediaStreamTrack):
    """Sends the clip's frames in a loop at 30 fps as ``av.Packet``: aiortc's sender then
    only packetizes them. ``request_keyframe`` (PLI/FIR) restarts the loop."""

    kind = "video"

    def __init__(self, clip: Clip) -> None:
        super().__init__()
        self.clip = clip
        self.frames_sent = 0
        self.bytes_sent = 0
        self.keyframes_sent = 0
        self._next = 0  # index into clip.frames
        self._started: float | None = None

    def request_keyframe(self) -> None:
        self._next = 0

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if self._started is None:
            self._started = time.monotonic()
        else:
            await asyncio.sleep(self._started + self.frames_sent / FPS - time.monotonic())
        data = self.clip.frames[self._next]
        if self._next == 0:
            self.keyframes_sent += 1
        self._next = (self._next + 1) % len(self.clip.frames)
        packet = av.Packet(data)
        packet.pts = self.frames_sent * (RTP_CLOCK // FPS)
        packet.time_base = Fraction(1, RTP_CLOCK)
        self.frames_sent += 1
        self.bytes_sent += len(data)
        return packet


def route_keyframe_requests(sender: RTCRtpSender, track: ClipTrack) -> None:
    # aiortc answers PLI/FIR by flagging its encoder (``_send_keyframe``); a sender of
    # pre-encoded packets has none, so the request must reach the clip instead.
    setattr(sender, "_send_keyframe", track.request_keyframe)  # noqa: B010


# --- the subscribers' counters ---------------------------------------------------------


@dataclass
class RtpCount:
    """What one receiver got. ``expected`` counts sequence numbers from the first packet to
    the highest one, so ``expected - packets`` is the loss (negative: duplicates)."""

    packets: int = 0
    bytes: int = 0
    frames: int = 0  # marker bits: the last packet of each video frame
    retransmissions: int = 0
    first_seq: int | None = None
    highest_seq: int = 0  # extended with a wrap count

    @property
    def expected(self) -> int:
        return 0 if self.first_seq is None else self.highest_seq - self.first_seq + 1

    def add(self, packet: RtpPacket) -> None:
        self.packets += 1
        self.bytes += len(packet.payload)
        self.frames += packet.marker
        if self.first_seq is None:
            self.first_seq = self.highest_seq = packet.sequence_number
            return
        ahead = (packet.sequence_number - self.highest_seq) % SEQ_MOD
        if 0 < ahead < SEQ_MOD // 2:  # newer; otherwise a late or duplicate packet
            self.highest_seq += ahead


RtpHandler = Callable[[RtpPacket, int], Awaitable[None]]


@dataclass
class Peer:
    """One RTCPeerConnection of this process and what it measured."""

    pc: RTCPeerConnection
    decode: bool  # subscribers: decode until the first frame
    track: ClipTrack | None = None  # publishers
    count: RtpCount = field(default_factory=RtpCount)
    rtx_payload_types: set[int] = field(default_factory=set)
    connected_at: float | None = None  # time.monotonic(): the same clock in every process
    first_frame_at: float | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def tap(self, receiver: RTCRtpReceiver) -> None:
        """Count every RTP packet ``receiver`` gets; hand it on to aiortc (jitter buffer,
        decoder, NACK, receiver reports) only while a first frame is still wanted."""
        handle: RtpHandler = receiver._handle_rtp_packet

        async def counted(packet: RtpPacket, arrival_time_ms: int) -> None:
            if packet.payload_type in self.rtx_payload_types:
                self.count.retransmissions += 1
            else:
                self.count.add(packet)
            if self.decode:
                await handle(packet, arrival_time_ms)

        setattr(receiver, "_handle_rtp_packet", counted)  # noqa: B010

    async def wait_first_frame(self, track: MediaStreamTrack) -> None:
        try:
            await track.recv()
        except MediaStreamError:
            return
        self.first_frame_at = time.monotonic()
        self.decode = False

    def figures(self) -> dict[str, Any]:
        if self.track is not None:
            return {"frames_sent": self.track.frames_sent, "bytes_sent": self.track.bytes_sent,
                    "keyframes_sent": self.track.keyframes_sent,
                    "clip_bitrate": self.track.clip.bitrate,
                    "keyframe_bytes": len(self.track.clip.frames[0])}
        return {**asdict(self.count), "expected": self.count.expected,
                "connected_at": self.connected_at, "first_frame_at": self.first_frame_at}


def rtx_payload_types(sdp: str) -> set[int]:
    return {codec.payloadType for media in SessionDescription.parse(sdp).media
            for codec in media.rtp.codecs
            if codec.mimeType.lower().endswith("/rtx") and codec.payloadType is not None}


def prefer_vp8(pc: RTCPeerConnection) -> None:
    # The clip is VP8; a subscriber that offers asks for VP8 too, so every system forwards
    # (or re-encodes to) the same codec.
    capabilities = RTCRtpSender.getCapabilities("video")
    vp8 = [c for c in capabilities.codecs
           if c.mimeType.lower() in ("video/vp8", "video/rtx")]
    for transceiver in pc.getTransceivers():
        transceiver.setCodecPreferences(vp8)


# --- the process -----------------------------------------------------------------------


class Clients:
    """The peers of this process, driven by the requests on stdin."""

    def __init__(self) -> None:
        self.peers: dict[str, Peer] = {}
        self._ids = itertools.count(1)
        self._clip: Clip | None = None

    def _clip_track(self) -> ClipTrack:
        if self._clip is None:
            self._clip = encode_clip()
        return ClipTrack(self._clip)

    def _new_peer(self, decode: bool) -> tuple[str, Peer]:
        peer_id = f"p{next(self._ids)}"
        # No ICE servers: the default is Google's public STUN server, and there is no internet.
        peer = Peer(RTCPeerConnection(RTCConfiguration(iceServers=[])), decode=decode)
        self.peers[peer_id] = peer

        @peer.pc.on("connectionstatechange")
        def on_state() -> None:
            if peer.pc.connectionState == "connected" and peer.connected_at is None:
                peer.connected_at = time.monotonic()

        @peer.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind != "video":
                return
            receiver = next(t.receiver for t in peer.pc.getTransceivers()
                            if t.receiver.track is track)
            peer.tap(receiver)
            if peer.decode:
                task = asyncio.ensure_future(peer.wait_first_frame(track))
                peer.tasks.add(task)
                task.add_done_callback(peer.tasks.discard)

        return peer_id, peer

    def _send(self, peer: Peer, sender: RTCRtpSender) -> None:
        peer.track = peer.track or self._clip_track()
        sender.replaceTrack(peer.track)
        route_keyframe_requests(sender, peer.track)

    async def offer(self, role: str, decode: bool = False) -> dict[str, Any]:
        """A new peer's offer: a publisher sends the clip, a subscriber receives video."""
        peer_id, peer = self._new_peer(decode)
        if role == "publisher":
            self._send(peer, peer.pc.addTransceiver("video", direction="sendonly").sender)
        else:
            peer.pc.addTransceiver("video", direction="recvonly")
        prefer_vp8(peer.pc)
        await peer.pc.setLocalDescription(await peer.pc.createOffer())
        return {"peer": peer_id, "sdp": peer.pc.localDescription.sdp}

    async def accept(self, peer: str, sdp: str) -> dict[str, Any]:
        """Apply the remote answer to ``peer``'s offer."""
        self.peers[peer].rtx_payload_types = rtx_payload_types(sdp)
        await self.peers[peer].pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
        return {}

    async def answer(self, sdp: str, peer: str | None = None, decode: bool = False,
                     send_mids: list[str] | None = None) -> dict[str, Any]:
        """Answer a remote offer, for a new peer or (renegotiation) an existing one; the clip
        is sent on the transceivers ``send_mids`` (a node's publish slots)."""
        peer_id, current = (peer, self.peers[peer]) if peer else self._new_peer(decode)
        current.rtx_payload_types = rtx_payload_types(sdp)
        await current.pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        for transceiver in current.pc.getTransceivers():
            if transceiver.mid in (send_mids or []) and transceiver.sender.track is None:
                transceiver.direction = "sendonly"
                self._send(current, transceiver.sender)
        await current.pc.setLocalDescription(await current.pc.createAnswer())
        return {"peer": peer_id, "sdp": current.pc.localDescription.sdp}

    async def candidate(self, peer: str, candidate: str, sdp_mid: str | None = None,
                        sdp_mline_index: int | None = None) -> dict[str, Any]:
        """A trickled remote candidate (end-of-candidates, an empty one, needs nothing)."""
        if candidate:
            parsed = candidate_from_sdp(candidate.removeprefix("candidate:"))
            parsed.sdpMid, parsed.sdpMLineIndex = sdp_mid, sdp_mline_index
            await self.peers[peer].pc.addIceCandidate(parsed)
        return {}

    async def figures(self) -> dict[str, Any]:
        return {"peers": {peer_id: peer.figures() for peer_id, peer in self.peers.items()},
                "at": time.monotonic()}

    async def close(self, peer: str) -> dict[str, Any]:
        closing = self.peers.pop(peer, None)
        if closing is not None:
            for task in list(closing.tasks):
                task.cancel()
            await closing.pc.close()
        return {}

    async def close_all(self) -> None:
        await asyncio.gather(*(self.close(peer) for peer in list(self.peers)))


async def _handle(clients: Clients, line: bytes) -> None:
    request = json.loads(line)
    request_id, op = request.pop("id"), request.pop("op")
    try:
        if op not in ("offer", "accept", "answer", "candidate", "figures", "close"):
            raise ValueError(f"unknown op {op!r}")
        reply = {"id": request_id, **await getattr(clients, op)(**request)}
    except Exception as exc:  # the bench reports it and decides
        log.exception("%s failed", op)
        reply = {"id": request_id, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()


async def serve() -> None:
    """Answer requests from stdin until it closes, then close every peer."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    clients = Clients()
    pending: set[asyncio.Task[None]] = set()
    try:
        while line := await reader.readline():
            task = asyncio.ensure_future(_handle(clients, line))
            pending.add(task)
            task.add_done_callback(pending.discard)
    finally:
        for task in pending:
            task.cancel()
        await clients.close_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--address", required=True, help="the only address ICE gathers on")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    restrict_ice_gathering(args.address)
    asyncio.run(serve())


if __name__ == "__main__":
    main()
