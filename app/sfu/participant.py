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
    RTCIceCandidate,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from app.protocol import signalling as sig
from app.protocol.join_token import MUTED_CLAIM, JoinGrant, Permission
from app.protocol.messages import Message, ProtocolError
from app.sfu.aiortc_hooks import ForwardedTrack, send_rtp
from app.sfu.config import NodeSettings
from app.sfu.forwarding import Publication, SendSlot, SubscriberOutput
from app.sfu.tasks import OwnedTasks

if TYPE_CHECKING:
    from app.sfu.session import Session

log = logging.getLogger(__name__)

OUTBOX_MESSAGES = 512  # a client this far behind on signalling is dropped
PUBLISH_PERMISSION = {sig.Source.MICROPHONE: Permission.PUBLISH_AUDIO,
                      sig.Source.CAMERA: Permission.PUBLISH_VIDEO,
                      sig.Source.SCREEN: Permission.PUBLISH_SCREEN}


class Participant:
    """One connection of a participant: its WebSocket, its peer connection,
    and the tasks that serve them, which it cancels and awaits on close."""

    def __init__(self, grant: JoinGrant, ws: web.WebSocketResponse, session: Session,
                 settings: NodeSettings):
        self.grant = grant
        self.id = grant.participant_id
        self.ws = ws
        self.session = session
        self.settings = settings
        self.pc = RTCPeerConnection(RTCConfiguration(
            iceServers=[RTCIceServer(urls=url) for url in settings.ice_servers],
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
        ))
        self.output = SubscriberOutput(self.id, send_rtp)
        self.publish_slots: dict[RTCRtpTransceiver, sig.Source] = {}
        self.send_slots: list[SendSlot] = []
        self.subscriptions: dict[str, SendSlot] = {}  # track_id -> slot
        # Muted (or not) before the track arrived: applied when it is published.
        self.muted_sources: dict[sig.Source, bool] = {}
        if grant.extra.get(MUTED_CLAIM) == "1":  # the room's mute_on_start
            self.muted_sources[sig.Source.MICROPHONE] = True
        self._outbox: asyncio.Queue[Message] = asyncio.Queue(OUTBOX_MESSAGES)
        self._writer: asyncio.Task[None] | None = None
        self._tasks = OwnedTasks(f"participant {self.id}")  # cancelled and awaited on close
        self._close_code: int | None = None
        self._offer_pending = False
        self._renegotiate = False
        self._closing: asyncio.Task[None] | None = None
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_connection_state)

    @property
    def info(self) -> sig.ParticipantInfo:
        """Who this is, with their hand and right to speak as of now."""
        return sig.ParticipantInfo(self.id, self.grant.display_name, self.grant.role.value,
                                   hand_raised=self.id in self.session.raised_hands,
                                   may_speak=self.session.may_speak(self))

    @property
    def hidden(self) -> bool:
        return self.grant.may(Permission.HIDDEN)

    def may(self, permission: Permission) -> bool:
        return self.grant.may(permission)

    # --- life cycle -----------------------------------------------------------

    async def run(self) -> None:
        """Serve this participant until it leaves or is closed."""
        self._writer = self._tasks.spawn(self._write(), f"ws writer {self.id}")
        self.output.start()
        for source in (sig.Source.MICROPHONE, sig.Source.CAMERA):
            if self.may(PUBLISH_PERMISSION[source]):
                self._add_publish_slot(source)
        try:
            await self.session.enter(self)
            await self.negotiate()
            # The reader is a task of this participant's, which closing cancels
            # before it closes the socket. aiohttp's close() with a receive()
            # pending in another task closes the connection without waiting for
            # the client's close frame; a client still sending then loses ours
            # to the reset and sees 1006 instead of the code.
            await asyncio.wait({self._tasks.spawn(self._read(), f"ws reader {self.id}")})
        finally:
            await self.session.leave(self)
            await self.close(sig.CloseCode.LEFT, "left")

    def close(self, code: int, reason: str) -> asyncio.Future[None]:
        """Close the WebSocket with ``code`` (after the messages queued for
        it), this participant's tasks and the media; await it to wait for the
        closing handshake.

        The first call's code is the one the client gets and the only one
        ``close_code`` ever holds. It is set here, before anything is awaited,
        because ``Session.leave`` may run before the handshake ends and reports
        why the participant left. Every caller waits for the one closing
        handshake: a second caller returning early would end the handler
        mid-handshake, and the client would see the connection drop (1006)."""
        if self._closing is None:
            self._close_code = code
            self._closing = asyncio.get_running_loop().create_task(
                self._close(code, reason), name=f"close {self.id}")
        return asyncio.shield(self._closing)

    async def _close(self, code: int, reason: str) -> None:
        try:
            # A full outbox is a client too slow to read it: nothing to wait for.
            if self._writer is not None and not self._outbox.full():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._outbox.join(), timeout=1.0)
            await self._tasks.cancel_all()
            await self.ws.close(code=code, message=reason.encode()[:120])
            await self.output.stop()
            await self.pc.close()
        except Exception:  # logged here: send() and a failed connection do not wait
            log.exception("participant %s: closing failed", self.id)

    @property
    def close_code(self) -> int | None:
        """Why this participant's connection was closed (None while it is open)."""
        return self._close_code

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
            self.close(sig.CloseCode.PROTOCOL_ERROR, "signalling backlog")


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
                    self.session.chat(self, text, to)
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
        candidate = _parsed_candidate(text)
        candidate.sdpMid = message.sdp_mid
        candidate.sdpMLineIndex = message.sdp_mline_index
        try:
            await self.pc.addIceCandidate(candidate)
        except ValueError as exc:  # e.g. neither sdp_mid nor sdp_mline_index
            raise ProtocolError(f"bad candidate: {exc}") from exc

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
        publication = self.session.publications.get(track_id)
        if publication is None or publication.participant_id != self.id:
            self.send(sig.Error("not_found", "no such track of yours"))
            return
        self.session.unpublish(publication)

    def _on_set_muted(self, track_id: str, muted: bool) -> None:
        publication = self.session.publications.get(track_id)
        source = self._own_source(track_id)
        if source is None or (publication is not None and
                              publication.participant_id != self.id):
            self.send(sig.Error("not_found", "no such track of yours"))
            return
        if not muted and source is sig.Source.MICROPHONE and not self.session.may_speak(self):
            self.send(sig.Error("forbidden", self.session.why_silenced()))
            return
        if publication is None:  # not here yet (a join, a reconnect): from its start
            self.muted_sources[source] = muted
            return
        self.session.set_muted(publication, muted, by=self.id)

    def _own_source(self, track_id: str) -> sig.Source | None:
        participant_id, _, source = track_id.rpartition(":")
        if participant_id != self.id or source not in set(sig.Source):
            return None
        return sig.Source(source)

    def _on_raise_hand(self, raised: bool) -> None:
        if self.hidden:  # nobody sees a hidden participant to call on
            self.send(sig.Error("forbidden", "a hidden participant cannot raise a hand"))
            return
        self.session.set_hand(self.id, raised)

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
        self.session.publish(self, source, transceiver.receiver)

    def _on_connection_state(self) -> None:
        if self.pc.connectionState == "failed" and not self.closed:
            log.info("participant %s: media connection failed", self.id)
            self.close(sig.CloseCode.GOING_AWAY, "media connection failed")

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

    def renegotiate(self) -> None:
        """Offer what changed, soon (from code that cannot wait for it)."""
        if not self.closed:
            self._tasks.spawn(self.negotiate(), f"negotiate {self.id}")

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


_CANDIDATE_TYPES = frozenset({"host", "srflx", "prflx", "relay"})


def _parsed_candidate(text: str) -> RTCIceCandidate:
    """The candidate in an SDP ``candidate:`` value, checked field by field
    first: aiortc's parser asserts its length (an AssertionError, or nothing
    at all under ``python -O``) and trusts the rest."""
    bits = text.split()
    try:
        valid = (len(bits) >= 8 and 1 <= int(bits[1]) <= 256
                 and bits[2].lower() in ("udp", "tcp") and 0 <= int(bits[3]) < 2**32
                 and 0 <= int(bits[5]) <= 65535 and bits[6] == "typ"
                 and bits[7] in _CANDIDATE_TYPES)
        if valid:
            return candidate_from_sdp(text)
    except ValueError:
        pass
    raise ProtocolError(f"bad candidate: {text[:100]!r}")
