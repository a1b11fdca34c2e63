"""One participant's connection: its WebSocket, its peer connection, and the
offers the node makes to it (the node always offers, so there is no glare)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web
from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from app.protocol import signalling as sig
from app.protocol.join_token import JoinGrant, Permission
from app.protocol.messages import Message, ProtocolError
from app.sfu.aiortc_hooks import ForwardedTrack, hook_sender, send_rtp, sender_ssrc
from app.sfu.config import NodeSettings
from app.sfu.forwarding import DownTrack, Publication, SubscriberOutput

if TYPE_CHECKING:
    from app.sfu.room import Room

log = logging.getLogger(__name__)

OUTBOX_MESSAGES = 512  # a client this far behind on signalling is dropped
PUBLISH_PERMISSION = {sig.Source.MICROPHONE: Permission.PUBLISH_AUDIO,
                      sig.Source.CAMERA: Permission.PUBLISH_VIDEO,
                      sig.Source.SCREEN: Permission.PUBLISH_SCREEN}


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


class Participant:
    def __init__(self, grant: JoinGrant, ws: web.WebSocketResponse, room: Room,
                 settings: NodeSettings):
        self.grant = grant
        self.id = grant.participant_id
        self.ws = ws
        self.room = room
        self.settings = settings
        self.pc = RTCPeerConnection(RTCConfiguration(
            iceServers=[RTCIceServer(urls=url) for url in settings.ice_servers],
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
        ))
        self.output = SubscriberOutput(self.id, send_rtp)
        self.publish_slots: dict[RTCRtpTransceiver, sig.Source] = {}
        self.send_slots: list[SendSlot] = []
        self.subscriptions: dict[str, SendSlot] = {}  # track_id -> slot
        self.close_code: int | None = None
        # Muted (or not) before the track arrived: applied when it is published.
        self.muted_sources: dict[sig.Source, bool] = {}
        self._outbox: asyncio.Queue[Message] = asyncio.Queue(OUTBOX_MESSAGES)
        self._writer: asyncio.Task[None] | None = None
        self._offer_pending = False
        self._renegotiate = False
        self._closing: asyncio.Task[None] | None = None
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_connection_state)

    @property
    def info(self) -> sig.ParticipantInfo:
        """Who this is, with their hand and right to speak as of now."""
        return sig.ParticipantInfo(self.id, self.grant.display_name, self.grant.role.value,
                                   hand_raised=self.id in self.room.raised_hands,
                                   may_speak=self.room.may_speak(self))

    @property
    def hidden(self) -> bool:
        return self.grant.may(Permission.HIDDEN)

    def may(self, permission: Permission) -> bool:
        return self.grant.may(permission)

    # --- life cycle -----------------------------------------------------------

    async def run(self) -> None:
        """Serve this participant until it leaves or is closed."""
        self._writer = asyncio.create_task(self._write(), name=f"ws writer {self.id}")
        self.output.start()
        for source in (sig.Source.MICROPHONE, sig.Source.CAMERA):
            if self.may(PUBLISH_PERMISSION[source]):
                self._add_publish_slot(source)
        try:
            await self.room.enter(self)
            await self.negotiate()
            await self._read()
        finally:
            await self.room.leave(self)
            await self.close(self.close_code or 1000, "left")

    async def close(self, code: int, reason: str) -> None:
        """Close the WebSocket (after the messages queued for it) and the media.

        Every caller waits for the one closing handshake: a second caller
        returning early would end the handler mid-handshake, and the client
        would see the connection drop (1006) instead of the close code."""
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(self._close(code, reason))
        await asyncio.shield(self._closing)

    async def _close(self, code: int, reason: str) -> None:
        self.close_code = self.close_code or code
        if self._writer is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._outbox.join(), timeout=1.0)
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        await self.ws.close(code=self.close_code, message=reason.encode()[:120])
        await self.output.stop()
        await self.pc.close()

    @property
    def closed(self) -> bool:
        return self._closing is not None

    def send(self, message: Message) -> None:
        if self.closed:
            return
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("participant %s reads too slowly; dropping it", self.id)
            self.close_code = sig.CloseCode.PROTOCOL_ERROR
            asyncio.get_running_loop().create_task(self.ws.close(
                code=sig.CloseCode.PROTOCOL_ERROR, message=b"signalling backlog"))

    async def _write(self) -> None:
        try:
            while True:
                message = await self._outbox.get()
                try:
                    await self.ws.send_str(message.to_json())
                finally:
                    self._outbox.task_done()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the socket went away: the reader notices too
            log.debug("participant %s: writer stopped: %s", self.id, exc)

    async def _read(self) -> None:
        async for frame in self.ws:
            if frame.type != WSMsgType.TEXT:
                await self._refuse("binary frames are not part of the protocol")
                return
            try:
                message = sig.FROM_CLIENT.parse(frame.data)
            except ProtocolError as exc:
                await self._refuse(str(exc))
                return
            if isinstance(message, sig.Leave):
                return
            try:
                await self._handle(message)
            except ProtocolError as exc:
                await self._refuse(str(exc))
                return

    async def _refuse(self, why: str) -> None:
        self.close_code = sig.CloseCode.PROTOCOL_ERROR
        self.send(sig.Error(code="bad_request", message=why))
        await self.close(sig.CloseCode.PROTOCOL_ERROR, why)

    # --- messages ---------------------------------------------------------------

    async def _handle(self, message: Message) -> None:
        match message:
            case sig.Answer(sdp=sdp):
                await self._on_answer(sdp)
            case sig.Candidate():
                await self._on_candidate(message)
            case sig.Publish(source=source):
                await self._on_publish(source)
            case sig.Unpublish(track_id=track_id):
                self._on_unpublish(track_id)
            case sig.SetMuted(track_id=track_id, muted=muted):
                self._on_set_muted(track_id, muted)
            case sig.RaiseHand(raised=raised):
                self._on_raise_hand(raised)
            case sig.SendChat(text=text, to=to):
                if not text.strip() or len(text) > sig.MAX_CHAT_LENGTH:
                    self.send(sig.Error("bad_request", "chat text must be 1 to "
                                        f"{sig.MAX_CHAT_LENGTH} characters"))
                else:
                    self.room.chat(self, text, to)
            case sig.Ping():
                self.send(sig.Pong())
            case _:
                raise ProtocolError(f"unexpected {message.type!r}")

    async def _on_answer(self, sdp: str) -> None:
        if not self._offer_pending:
            raise ProtocolError("an answer without an offer")
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        except (ValueError, AttributeError, KeyError) as exc:
            raise ProtocolError(f"the answer was refused: {exc}") from exc
        self._offer_pending = False
        if self._renegotiate:
            await self.negotiate()

    async def _on_candidate(self, message: sig.Candidate) -> None:
        text = message.candidate.removeprefix("candidate:")
        if not text:
            return  # end of candidates
        try:
            candidate = candidate_from_sdp(text)
        except (ValueError, IndexError) as exc:
            raise ProtocolError(f"bad candidate: {exc}") from exc
        candidate.sdpMid = message.sdp_mid
        candidate.sdpMLineIndex = message.sdp_mline_index
        await self.pc.addIceCandidate(candidate)

    async def _on_publish(self, source: sig.Source) -> None:
        if not self.may(PUBLISH_PERMISSION[source]):
            self.send(sig.Error("forbidden", f"you may not publish {source.value}"))
            return
        if source in self.publish_slots.values():
            self.send(sig.Error("bad_request", f"you already have a {source.value} slot"))
            return
        self._add_publish_slot(source)
        await self.negotiate()

    def _on_unpublish(self, track_id: str) -> None:
        publication = self.room.publications.get(track_id)
        if publication is None or publication.participant_id != self.id:
            self.send(sig.Error("not_found", "no such track of yours"))
            return
        self.room.unpublish(publication)

    def _on_set_muted(self, track_id: str, muted: bool) -> None:
        publication = self.room.publications.get(track_id)
        source = self._own_source(track_id)
        if source is None or (publication is not None and
                              publication.participant_id != self.id):
            self.send(sig.Error("not_found", "no such track of yours"))
            return
        if not muted and source is sig.Source.MICROPHONE and not self.room.may_speak(self):
            self.send(sig.Error("forbidden", self.room.why_silenced()))
            return
        if publication is None:  # not here yet (a join, a reconnect): from its start
            self.muted_sources[source] = muted
            return
        self.room.set_muted(publication, muted, by=self.id)

    def _own_source(self, track_id: str) -> sig.Source | None:
        participant_id, _, source = track_id.rpartition(":")
        if participant_id != self.id or source not in set(sig.Source):
            return None
        return sig.Source(source)

    def _on_raise_hand(self, raised: bool) -> None:
        if self.hidden:  # nobody sees a hidden participant to call on
            self.send(sig.Error("forbidden", "a hidden participant cannot raise a hand"))
            return
        self.room.set_hand(self.id, raised)

    # --- media ------------------------------------------------------------------

    def _add_publish_slot(self, source: sig.Source) -> None:
        transceiver = self.pc.addTransceiver(source.kind, direction="recvonly")
        self.publish_slots[transceiver] = source

    def _on_track(self, track: MediaStreamTrack) -> None:
        transceiver = next((t for t in self.pc.getTransceivers()
                            if t.receiver.track is track), None)
        source = self.publish_slots.get(transceiver) if transceiver is not None else None
        if transceiver is None or source is None:
            log.warning("participant %s: a track on no publish slot", self.id)
            return
        self.room.publish(self, source, transceiver.receiver)

    def _on_connection_state(self) -> None:
        if self.pc.connectionState == "failed" and not self.closed:
            log.info("participant %s: media connection failed", self.id)
            asyncio.get_running_loop().create_task(self.ws.close(
                code=sig.CloseCode.GOING_AWAY, message=b"media connection failed"))

    def subscribe(self, publication: Publication) -> None:
        """Forward ``publication`` to this participant (offered at the next negotiation)."""
        if publication.track_id in self.subscriptions:
            return
        slot = next((s for s in self.send_slots if s.down is None and s.kind ==
                     publication.kind), None)
        if slot is None:
            transceiver = self.pc.addTransceiver(ForwardedTrack(publication.kind),
                                                 direction="sendonly")
            slot = SendSlot(transceiver, self.output)
            self.send_slots.append(slot)
        publication.add_down_track(self.id, slot.carry(publication))
        self.subscriptions[publication.track_id] = slot

    def unsubscribe(self, publication: Publication) -> None:
        slot = self.subscriptions.pop(publication.track_id, None)
        publication.remove_down_track(self.id)
        if slot is not None:
            slot.release()

    async def negotiate(self) -> None:
        """Send an offer now, or after the answer to the one in flight."""
        if self.closed:
            return
        if self._offer_pending:
            self._renegotiate = True
            return
        self._offer_pending, self._renegotiate = True, False
        await self.pc.setLocalDescription(await self.pc.createOffer())
        tracks = [sig.TrackInfo(track_id=track_id, participant_id=slot.down.publication
                                .participant_id, source=sig.Source(slot.down.publication
                                                                   .source),
                                kind=slot.kind, muted=slot.down.publication.muted,
                                mid=slot.transceiver.mid)
                  for track_id, slot in self.subscriptions.items() if slot.down is not None]
        slots = {t.mid: source.value for t, source in self.publish_slots.items() if t.mid}
        self.send(sig.Offer(sdp=self._announced(self.pc.localDescription.sdp),
                            tracks=tracks, publish_slots=slots))

    def _announced(self, sdp: str) -> str:
        """The SDP with host candidates rewritten to the announced public address."""
        public = self.settings.announce_address
        if not public:
            return sdp
        lines = []
        for line in sdp.split("\r\n"):
            if line.startswith("a=candidate:") and " typ host" in line:
                parts = line.split(" ")
                parts[4] = public
                line = " ".join(parts)
            lines.append(line)
        return "\r\n".join(lines)
