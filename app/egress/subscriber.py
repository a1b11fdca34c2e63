"""The room's connection to the media node: the hidden RECORDER participant
of docs/signalling.md. One WebSocket, one RTCPeerConnection that receives
every published track; aiortc decodes each in its own thread and the reader
tasks here only hand the decoded frames to the room."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import aiohttp
import av
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from app.protocol import signalling as sig
from app.protocol.messages import ProtocolError
from app.sfu.tasks import OwnedTasks

log = logging.getLogger(__name__)

JOIN_TIMEOUT_SECONDS = 15.0


class MediaSink(Protocol):
    """What the subscriber tells (the room), always on the event loop."""

    def participant(self, participant_id: str, name: str, present: bool) -> None: ...

    def video(self, participant_id: str, source: sig.Source,
              frame: av.VideoFrame | None) -> None: ...

    def audio(self, participant_id: str, frame: av.AudioFrame | None) -> None: ...

    def talking(self, participant_id: str) -> None: ...

    def disconnected(self, code: int, reason: str) -> None: ...


class JoinFailed(Exception):
    """The node refused the join or closed the socket before ``joined``."""


class Subscriber:
    def __init__(self, ws_url: str, token: str, ice_servers: tuple[str, ...],
                 sink: MediaSink):
        self.ws_url, self.token, self.sink = ws_url, token, sink
        self.pc = RTCPeerConnection(RTCConfiguration(
            iceServers=[RTCIceServer(urls=url) for url in ice_servers],
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))  # the node bundles everything
        self.tracks: dict[str, sig.TrackInfo] = {}  # mid -> what it carries now
        self._tasks = OwnedTasks(f"subscriber {ws_url}")
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._joined = asyncio.get_running_loop().create_future()
        self._stopping = False
        self.pc.on("track", self._on_track)

    async def start(self) -> None:
        """Joined, or ``JoinFailed``."""
        self._http = aiohttp.ClientSession()
        try:
            self._ws = await self._http.ws_connect(self.ws_url, heartbeat=20)
            await self._ws.send_str(sig.Join(token=self.token).to_json())
            self._tasks.spawn(self._read(), "signalling")
            await asyncio.wait_for(asyncio.shield(self._joined), JOIN_TIMEOUT_SECONDS)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self.stop()
            raise JoinFailed(f"could not join {self.ws_url}: {exc or type(exc).__name__}") \
                from exc
        except JoinFailed:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Leave the session (if still in it) and end every task."""
        self._stopping = True
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(Exception):
                await self._ws.send_str(sig.Leave().to_json())
                await self._ws.close()
        await self._tasks.cancel_all()
        await self.pc.close()
        if self._http is not None:
            await self._http.close()

    # --- signalling -----------------------------------------------------------

    async def _read(self) -> None:
        assert self._ws is not None
        reason = ""
        try:
            while True:
                frame = await self._ws.receive()
                if frame.type != aiohttp.WSMsgType.TEXT:
                    if frame.type == aiohttp.WSMsgType.CLOSE:
                        reason = str(frame.extra or "")
                    break
                try:
                    message = sig.FROM_NODE.parse(frame.data)
                except ProtocolError as exc:
                    log.warning("subscriber: a message from the node not understood: %s", exc)
                    continue
                await self._handle(message)
        finally:
            code = self._ws.close_code or 1006
            if not self._joined.done():
                self._joined.set_exception(JoinFailed(f"the node closed the connection "
                                                      f"({code}) before joined"))
            elif not self._stopping:
                self.sink.disconnected(code, reason)

    async def _handle(self, message: object) -> None:
        if isinstance(message, sig.Joined):
            for person in message.participants:
                self.sink.participant(person.participant_id, person.display_name, True)
            if not self._joined.done():
                self._joined.set_result(None)
        elif isinstance(message, sig.Offer):
            await self._answer(message)
        elif isinstance(message, sig.ParticipantJoined):
            self.sink.participant(message.participant.participant_id,
                                  message.participant.display_name, True)
        elif isinstance(message, sig.ParticipantLeft):
            self.sink.participant(message.participant_id, "", False)
        elif isinstance(message, sig.TrackUnpublished | sig.Muted):
            if not isinstance(message, sig.Muted) or message.muted:
                self._ended(message.participant_id, message.source)
        elif isinstance(message, sig.Talking) and message.talking:
            self.sink.talking(message.participant_id)

    def _ended(self, participant_id: str, source: sig.Source | None) -> None:
        if source is sig.Source.MICROPHONE:
            self.sink.audio(participant_id, None)
        elif source is not None:
            self.sink.video(participant_id, source, None)

    async def _answer(self, offer: sig.Offer) -> None:
        # What each mid carries, before the offer is applied: ontrack fires
        # while setRemoteDescription runs.
        self.tracks.update({t.mid: t for t in offer.tracks if t.mid})
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        assert self._ws is not None
        await self._ws.send_str(sig.Answer(sdp=self.pc.localDescription.sdp).to_json())

    # --- media ----------------------------------------------------------------

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next((t.mid for t in self.pc.getTransceivers() if t.receiver.track is track), None)
        if mid is None:
            return
        self._tasks.spawn(self._receive(mid, track), f"track {mid}")

    async def _receive(self, mid: str, track: MediaStreamTrack) -> None:
        """Hand each decoded frame of ``mid`` to whoever it carries now (a mid
        may carry another participant's track after a later offer)."""
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            info = self.tracks.get(mid)
            if info is None:
                continue
            if isinstance(frame, av.AudioFrame):
                self.sink.audio(info.participant_id, frame)
            elif isinstance(frame, av.VideoFrame):
                self.sink.video(info.participant_id, info.source, frame)
