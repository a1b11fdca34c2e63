"""A media node client written from docs/signalling.md: aiohttp for the
WebSocket, aiortc for media. The media tests use it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.rtp import RTCP_PSFB_FIR, RTCP_PSFB_PLI, RtcpPsfbPacket
from aiortc.sdp import SessionDescription

from app.protocol import signalling as sig
from app.protocol.messages import Message

M = TypeVar("M", bound=Message)


class NodeClient:
    def __init__(self, ws_url: str, token: str,
                 publish: dict[sig.Source, MediaStreamTrack] | None = None,
                 video_codec: str | None = None):
        self.ws_url = ws_url
        self.video_codec = video_codec  # e.g. "H264": publish with that codec only
        self.token = token
        self.publish = dict(publish or {})
        # The node bundles every m-line on one transport (docs/signalling.md):
        # with aiortc's default policy a later camera slot would get no media.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[],
                                                     bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.messages: list[Message] = []
        self.tracks: dict[str, sig.TrackInfo] = {}  # mid -> what it carries
        self.remote: dict[str, MediaStreamTrack] = {}  # mid -> incoming track
        self.close_code: int | None = None
        self.close_reason = ""
        self.error: Exception | None = None
        self.answers = 0
        # Sequence numbers of the RTP packets each incoming track got (and its
        # SSRC), and an optional ``drop(ssrc, seq) -> bool`` that loses packets
        # on arrival, before decryption, as a lossy network would.
        self.received_seqs: dict[str, list[int]] = {}
        self.ssrc_of: dict[str, int] = {}
        self.payload_type_of: dict[str, int] = {}
        self.drop: Callable[[int, int], bool] | None = None
        self._lossy: set[int] = set()
        self.keyframe_requests = 0  # PLI/FIR the node sent this client as a publisher
        self._changed = asyncio.Condition()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self.pc.on("track", self._on_track)

    async def connect(self, join: bool = True) -> None:
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(self.ws_url)
        self._reader = asyncio.create_task(self._read())
        if join:
            await self.send(sig.Join(token=self.token))

    async def send(self, message: Message) -> None:
        assert self._ws is not None
        await self._ws.send_str(message.to_json())

    async def send_raw(self, text: str) -> None:
        assert self._ws is not None
        await self._ws.send_str(text)

    async def wait_for(self, kind: type[M], where: Callable[[M], bool] = lambda m: True,
                       timeout: float = 10.0, since: int = 0) -> M:
        """The first message of ``kind`` (seen or coming) for which ``where``
        holds, among the messages from index ``since`` (see ``mark``) on."""
        def found() -> M | None:
            return next((m for m in self.messages[since:]
                         if isinstance(m, kind) and where(m)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(
                lambda: found() is not None or self.close_code is not None), timeout)
        message = found()
        if message is None:
            raise ConnectionError(f"closed ({self.close_code} {self.close_reason}) "
                                  f"before a {kind.type}") from self.error
        return message

    def mark(self) -> int:
        """A ``since`` for ``wait_for``: only messages that come after now."""
        return len(self.messages)

    def seen(self, kind: type[M], where: Callable[[M], bool] = lambda m: True,
             since: int = 0) -> list[M]:
        return [m for m in self.messages[since:] if isinstance(m, kind) and where(m)]

    async def wait_closed(self, timeout: float = 10.0) -> int:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.close_code is not None),
                                   timeout)
        assert self.close_code is not None
        return self.close_code

    async def wait_track(self, participant_id: str, source: sig.Source,
                         timeout: float = 10.0) -> MediaStreamTrack:
        def found() -> MediaStreamTrack | None:
            for mid, info in self.tracks.items():
                if (info.participant_id, info.source) == (participant_id, source) \
                        and mid in self.remote:
                    return self.remote[mid]
            return None

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None),
                                   timeout)
        track = found()
        assert track is not None
        return track

    def transceiver_for(self, participant_id: str, source: sig.Source) -> RTCRtpTransceiver:
        mid = next(m for m, i in self.tracks.items()
                   if (i.participant_id, i.source) == (participant_id, source))
        return next(t for t in self.pc.getTransceivers() if t.mid == mid)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            if self._ws is not None and not self._ws.closed:
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self.pc.close()
        if self._session is not None:
            await self._session.close()

    async def _read(self) -> None:
        try:
            await self._read_messages()
        except Exception as exc:  # a test must see it, not a silent dead reader
            self.error = exc
            self.close_code = self.close_code or -1
            async with self._changed:
                self._changed.notify_all()
            raise

    async def _read_messages(self) -> None:
        assert self._ws is not None
        while True:
            frame = await self._ws.receive()
            if frame.type != aiohttp.WSMsgType.TEXT:
                if frame.type == aiohttp.WSMsgType.CLOSE:
                    self.close_reason = str(frame.extra or "")
                break
            message = sig.FROM_NODE.parse(frame.data)
            if isinstance(message, sig.Offer):
                await self._answer(message)
            await self._note(message)
        self.close_code = self._ws.close_code
        async with self._changed:
            self._changed.notify_all()

    async def _note(self, message: Message) -> None:
        async with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    async def _answer(self, offer: sig.Offer) -> None:
        sdp = self._only_video_codec(offer) if self.video_codec else offer.sdp
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        for transceiver in self.pc.getTransceivers():
            source = offer.publish_slots.get(transceiver.mid or "")
            track = self.publish.get(sig.Source(source)) if source else None
            if track is not None and transceiver.sender.track is None:
                transceiver.sender.replaceTrack(track)
                transceiver.direction = "sendonly"

                self._count_keyframe_requests(transceiver.sender)
        async with self._changed:
            self.tracks.update({t.mid: t for t in offer.tracks if t.mid})
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        try:
            await self.send(sig.Answer(sdp=self.pc.localDescription.sdp))
        except ConnectionError:
            return  # the node is closing the socket; the reader sees the close next
        async with self._changed:
            self.answers += 1
            self._changed.notify_all()

    async def wait_negotiated(self, answers: int = 1, timeout: float = 10.0) -> None:
        """Until this client has answered ``answers`` offers."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.answers >= answers),
                                   timeout)

    def _on_track(self, track: MediaStreamTrack) -> None:
        transceiver = next(t for t in self.pc.getTransceivers() if t.receiver.track is track)
        mid = transceiver.mid or ""
        self.remote[mid] = track
        self._tap(mid, transceiver.receiver)

        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        asyncio.get_running_loop().create_task(notify())


    def _only_video_codec(self, offer: sig.Offer) -> str:
        """The offer with ``video_codec`` alone (and its RTX) in video publish
        slots, as a browser munging SDP to choose its codec would."""
        description = SessionDescription.parse(offer.sdp)
        for media in description.media:
            if media.kind != "video" or media.rtp.muxId not in offer.publish_slots:
                continue
            kept = {c.payloadType for c in media.rtp.codecs if c.name == self.video_codec}
            media.rtp.codecs = [c for c in media.rtp.codecs if c.payloadType in kept or (
                c.name == "rtx" and c.parameters.get("apt") in kept)]
            media.fmt = [c.payloadType for c in media.rtp.codecs]
        return str(description)

    def _count_keyframe_requests(self, sender: Any) -> None:
        original = sender._handle_rtcp_packet

        async def handle(packet: Any) -> None:
            if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI,
                                                                     RTCP_PSFB_FIR):
                self.keyframe_requests += 1
            await original(packet)

        sender._handle_rtcp_packet = handle

    def _tap(self, mid: str, receiver: Any) -> None:
        """Watch (and maybe drop) the packets before aiortc's receiver sees them."""
        original = receiver._handle_rtp_packet
        seqs = self.received_seqs.setdefault(mid, [])

        async def handle(packet: Any, arrival_time_ms: int) -> None:
            self.ssrc_of[mid] = packet.ssrc
            self.payload_type_of[mid] = packet.payload_type
            seqs.append(packet.sequence_number)
            await original(packet, arrival_time_ms)

        receiver._handle_rtp_packet = handle
        self._make_lossy(receiver.transport.transport)

    def _make_lossy(self, ice: Any) -> None:
        """Let ``drop`` lose packets as they arrive (SRTP leaves the RTP header clear)."""
        if id(ice) in self._lossy:
            return
        self._lossy.add(id(ice))
        original = ice._recv

        async def recv() -> bytes:
            while True:
                data = await original()
                if self.drop is None or len(data) < 12 or not 128 <= data[0] < 192 \
                        or 192 <= data[1] <= 223:  # not RTP (DTLS, STUN, RTCP)
                    return data
                seq = int.from_bytes(data[2:4], "big")
                if not self.drop(int.from_bytes(data[8:12], "big"), seq):
                    return data

        ice._recv = recv


async def joined_client(ws_url: str, token: str,
                        publish: dict[sig.Source, MediaStreamTrack] | None = None) -> NodeClient:
    """A client connected to the node and told it joined."""
    client = NodeClient(ws_url, token, publish=publish)
    await client.connect()
    await client.wait_for(sig.Joined)
    return client


def last(messages: list[Any], kind: type[M]) -> M | None:
    return next((m for m in reversed(messages) if isinstance(m, kind)), None)
