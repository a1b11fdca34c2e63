"""Every touch of aiortc's and aioice's internals, in one place.

aiortc has no pass-through API: its receivers decode and its senders encode.
A forwarding node instead taps each publisher's ``RTCRtpReceiver`` for RTP
packets (keeping aiortc's RTCP statistics, RTX unwrapping, NACK generation
and REMB) and writes rewritten packets straight to each subscriber's DTLS
transport, answering the subscriber's NACK and PLI itself.

The private names used here are those of aiortc 1.16.0 and aioice 0.13.0,
pinned exactly in pyproject.toml. ``check_internals()`` runs at node start
and in tests/sfu/test_aiortc_hooks.py, so an upgrade that moves them fails
loudly instead of silently forwarding nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Protocol

import aioice.ice
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCRtpReceiver, RTCRtpSender
from aiortc.codecs import is_rtx
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpreceiver import StreamStatistics
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    HeaderExtensionsMap,
    RtcpPsfbPacket,
    RtcpRtpfbPacket,
    RtcpSrPacket,
    RtpPacket,
    pack_remb_fci,
    unwrap_rtx,
)

NO_EXTENSIONS = HeaderExtensionsMap()  # forwarded packets carry no header extensions

_RECEIVER = "_RTCRtpReceiver__"
_SENDER = "_RTCRtpSender__"
_RECEIVER_FIELDS = ("codecs", "remote_streams", "rtx_ssrc", "nack_generator",
                    "remote_bitrate_estimator", "rtcp_ssrc", "active_ssrc", "decoder_thread")
_SENDER_FIELDS = ("ntp_timestamp", "rtp_timestamp", "packet_count", "octet_count")
_METHODS = ((RTCRtpReceiver, ("_handle_rtp_packet", "_handle_rtcp_packet", "_send_rtcp",
                              "_send_rtcp_pli", "_send_rtcp_nack", "receive",
                              f"{_RECEIVER}stop_decoder")),
            (RTCRtpSender, ("_handle_rtcp_packet", "send", "_run_rtp")))


class InternalsChanged(RuntimeError):
    """aiortc or aioice no longer has what this module relies on."""


def check_internals() -> None:
    """Raise ``InternalsChanged`` unless every private name used here exists.

    Call it outside any running event loop (it runs one to build a probe)."""
    missing = [f"{cls.__name__}.{name}" for cls, names in _METHODS for name in names
               if not hasattr(cls, name)]
    if not hasattr(aioice.ice, "get_host_addresses"):
        missing.append("aioice.ice.get_host_addresses")

    async def probe() -> None:
        pc = RTCPeerConnection()
        try:
            receiver = pc.addTransceiver("video", direction="recvonly").receiver
            sender = pc.addTransceiver("video", direction="sendonly").sender
            missing.extend(f"RTCRtpReceiver.{_RECEIVER}{name}" for name in _RECEIVER_FIELDS
                           if not hasattr(receiver, _RECEIVER + name))
            missing.extend(f"RTCRtpSender.{_SENDER}{name}" for name in _SENDER_FIELDS
                           if not hasattr(sender, _SENDER + name))
            if not isinstance(getattr(sender, "_ssrc", None), int):
                missing.append("RTCRtpSender._ssrc")
        finally:
            await pc.close()

    asyncio.run(probe())  # before the node's own loop starts: it needs one of its own
    if missing:
        raise InternalsChanged("aiortc internals changed; missing: " + ", ".join(missing))


def restrict_host_addresses(addresses: Sequence[str]) -> None:
    """Gather ICE host candidates only on ``addresses`` (process-wide).

    aioice gathers on every interface address except 127.0.0.1 and ::1; a
    node is told which addresses to use instead, as Janus and LiveKit are."""
    chosen = list(addresses)
    if not chosen:
        return

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (use_ipv6 if ":" in a else use_ipv4)]

    aioice.ice.get_host_addresses = host_addresses


# --- publisher side -------------------------------------------------------------

class Upstream(Protocol):
    def on_rtp(self, packet: RtpPacket, codec: str, clock_rate: int) -> None: ...

    def on_sender_report(self, ntp_timestamp: int, rtp_timestamp: int) -> None: ...


def tap_receiver(receiver: RTCRtpReceiver, upstream: Upstream) -> None:
    """Send the receiver's RTP to ``upstream`` instead of decoding it."""
    private: dict[str, Any] = {name: getattr(receiver, _RECEIVER + name)
                               for name in ("codecs", "remote_streams", "rtx_ssrc",
                                            "nack_generator", "remote_bitrate_estimator")}
    codecs, streams, rtx_ssrc = private["codecs"], private["remote_streams"], private["rtx_ssrc"]
    nacks, estimator = private["nack_generator"], private["remote_bitrate_estimator"]

    async def handle_rtp(packet: RtpPacket, arrival_time_ms: int) -> None:
        if not receiver._enabled:
            return
        if estimator is not None and packet.extensions.abs_send_time is not None:
            remb = estimator.add(abs_send_time=packet.extensions.abs_send_time,
                                 arrival_time_ms=arrival_time_ms,
                                 payload_size=len(packet.payload) + packet.padding_size,
                                 ssrc=packet.ssrc)
            rtcp_ssrc = getattr(receiver, _RECEIVER + "rtcp_ssrc")
            if remb is not None and rtcp_ssrc is not None:
                await receiver._send_rtcp(RtcpPsfbPacket(
                    fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0, fci=pack_remb_fci(*remb)))
        codec = codecs.get(packet.payload_type)
        if codec is None:
            return
        if packet.ssrc not in streams:
            streams[packet.ssrc] = StreamStatistics(codec.clockRate)
        streams[packet.ssrc].add(packet)  # feeds the receiver's RTCP receiver reports
        if is_rtx(codec):
            original = rtx_ssrc.get(packet.ssrc)
            apt = codec.parameters.get("apt")
            if original is None or len(packet.payload) < 2 or apt not in codecs:
                return
            packet = unwrap_rtx(packet, payload_type=apt, ssrc=original)
            codec = codecs[apt]
        if nacks is not None and nacks.add(packet):
            await receiver._send_rtcp_nack(packet.ssrc, sorted(nacks.missing))
        upstream.on_rtp(packet, codec.mimeType.split("/", 1)[1], codec.clockRate)

    original_rtcp = receiver._handle_rtcp_packet

    async def handle_rtcp(packet: Any) -> None:
        await original_rtcp(packet)
        if isinstance(packet, RtcpSrPacket):
            info = packet.sender_info
            upstream.on_sender_report(info.ntp_timestamp, info.rtp_timestamp)

    original_receive = receiver.receive

    async def receive(parameters: Any) -> None:
        await original_receive(parameters)
        stop_decoder(receiver)  # started by receive(); a forwarding node never decodes

    receiver._handle_rtp_packet = handle_rtp  # type: ignore[method-assign]
    receiver._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]
    receiver.receive = receive  # type: ignore[method-assign]
    stop_decoder(receiver)


def stop_decoder(receiver: RTCRtpReceiver) -> None:
    getattr(receiver, _RECEIVER + "stop_decoder")()


async def request_keyframe(receiver: RTCRtpReceiver, media_ssrc: int) -> None:
    """Send the publisher a PLI for ``media_ssrc``."""
    await receiver._send_rtcp_pli(media_ssrc)


# --- subscriber side ------------------------------------------------------------

class Downstream(Protocol):
    def on_negotiated(self, payload_types: dict[str, int]) -> None: ...

    def on_nack(self, lost: list[int]) -> None: ...

    def on_keyframe_request(self) -> None: ...


class ForwardedTrack(MediaStreamTrack):
    """The track of a forwarding sender: it never yields a frame, so aiortc's
    send loop waits forever instead of encoding; the node writes the packets."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind
        self._ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def recv(self) -> Any:
        await self._ended
        raise MediaStreamError

    def stop(self) -> None:
        if not self._ended.done():
            self._ended.set_result(None)
        super().stop()


def hook_sender(sender: RTCRtpSender, downstream: Downstream) -> None:
    """Answer the subscriber's NACK and PLI/FIR through ``downstream``."""
    original_send = sender.send
    original_rtcp = sender._handle_rtcp_packet

    async def send(parameters: Any) -> None:
        await original_send(parameters)
        payload_types: dict[str, int] = {}
        for codec in parameters.codecs:  # in preference order: the first of a name wins
            if not is_rtx(codec):
                payload_types.setdefault(codec.mimeType.split("/", 1)[1].upper(),
                                         codec.payloadType)
        downstream.on_negotiated(payload_types)

    async def handle_rtcp(packet: Any) -> None:
        if isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
            downstream.on_nack(list(packet.lost))
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI,
                                                                   RTCP_PSFB_FIR):
            downstream.on_keyframe_request()
        elif not isinstance(packet, RtcpPsfbPacket):  # receiver reports: keep the stats
            await original_rtcp(packet)

    sender.send = send  # type: ignore[method-assign]
    sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]


def sender_ssrc(sender: RTCRtpSender) -> int:
    return int(sender._ssrc)


async def send_rtp(sender: RTCRtpSender, data: bytes) -> None:
    """Encrypt and send one RTP packet on the sender's DTLS transport."""
    await sender.transport._send_rtp(data)


def set_sender_report(sender: RTCRtpSender, ntp_timestamp: int, rtp_timestamp: int,
                      packets: int, octets: int) -> None:
    """What the sender's own RTCP loop puts in its next sender report, so the
    subscriber can map RTP time to wall-clock time (lip sync)."""
    setattr(sender, _SENDER + "ntp_timestamp", ntp_timestamp)
    setattr(sender, _SENDER + "rtp_timestamp", rtp_timestamp)
    setattr(sender, _SENDER + "packet_count", packets)
    setattr(sender, _SENDER + "octet_count", octets)
