"""A client written from docs/signalling.md alone, against a real node: plain
JSON over a WebSocket (aiohttp) and one aiortc peer connection, none of
app/protocol's message classes. If the page leaves out something a client
needs, this client is the first stranger to trip on it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)

from app.protocol import node_api
from app.protocol.join_token import Role
from app.protocol.signalling import MuteMode
from tests.sfu.conftest import control, new_session, run
from tests.sfu.media import CounterVideo, ToneAudio

pytestmark = pytest.mark.media
Json = dict[str, Any]


class DocClient:
    def __init__(self, ws_url: str, token: str, publish: dict[str, MediaStreamTrack]):
        self.ws_url, self.token, self.publish = ws_url, token, publish
        # Section 3: the node bundles every m-line; aiortc must be told to.
        self.pc = RTCPeerConnection(RTCConfiguration(
            iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.messages: list[Json] = []
        self.carries: dict[str, Json] = {}  # mid -> the track the node sends on it
        self.incoming: dict[str, MediaStreamTrack] = {}  # track_id -> what arrives
        self.close_code: int | None = None
        self.pc.on("track", self._on_track)

    async def join(self) -> None:
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(self.ws_url)
        await self.send(type="join", token=self.token)  # section 2
        self.reader = asyncio.create_task(self._read())

    async def send(self, **message: Any) -> None:
        await self.ws.send_str(json.dumps(message))

    async def _read(self) -> None:
        async for frame in self.ws:
            message = json.loads(frame.data)
            if message["type"] == "offer":
                await self._answer(message)
            self.messages.append(message)
        self.close_code = self.ws.close_code

    async def _answer(self, offer: Json) -> None:
        # Know what each mid carries before applying the offer: ontrack fires
        # while it is applied.
        self.carries.update({info["mid"]: info for info in offer["tracks"]})
        await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        for transceiver in self.pc.getTransceivers():
            track = self.publish.get(offer["publish_slots"].get(transceiver.mid, ""))
            if track is not None and transceiver.sender.track is None:
                transceiver.sender.replaceTrack(track)
                transceiver.direction = "sendonly"
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await self.send(type="answer", sdp=self.pc.localDescription.sdp)

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)
        self.incoming[self.carries[mid or ""]["track_id"]] = track

    async def wait_for(self, kind: str, where: Callable[[Json], bool] = lambda m: True,
                       since: int = 0) -> Json:
        found = await until(lambda: next((m for m in self.messages[since:]
                                          if m["type"] == kind and where(m)), None))
        return found

    async def frame_of(self, track_id: str) -> Any:
        """The first decoded frame of someone else's track."""
        track = await until(lambda: self.incoming.get(track_id))
        return await asyncio.wait_for(track.recv(), 10)

    async def close(self) -> None:
        if hasattr(self, "ws"):
            await self.ws.close()
            self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)
            await self.http.close()
        await self.pc.close()


async def until(found: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while (value := found()) is None:
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return value


def test_a_client_written_from_the_doc_joins_sees_hears_and_follows_the_mute_mode(node, grant):
    async def scenario() -> None:
        session = new_session()
        host = DocClient(*grant(session, role=Role.MODERATOR, participant_id="host"),
                         publish={"camera": CounterVideo(), "microphone": ToneAudio()})
        ann = DocClient(*grant(session, participant_id="ann"),
                        publish={"camera": CounterVideo(), "microphone": ToneAudio()})
        try:
            await host.join()
            await until(lambda: node.health()["load"]["published_tracks"] == 2 or None)
            await ann.join()
            joined = await ann.wait_for("joined")
            assert {t["track_id"] for t in joined["tracks"]} == {"host:camera",
                                                                 "host:microphone"}
            assert joined["locked"] is False
            # Ann's first offer holds her camera slot and the host's camera:
            # with one bundled transport, both flow.
            await ann.frame_of("host:camera")
            await host.frame_of("ann:camera")
            await ann.frame_of("host:microphone")

            marks = {client: len(client.messages) for client in (host, ann)}
            answer = await control(node, node_api.SetMuteMode(
                session_id=session, mode=MuteMode.PRESENTATION))
            assert answer.status_code == 200, answer.text
            for client, may_speak in ((host, True), (ann, False)):
                mode = await client.wait_for("mute_mode", since=marks[client])
                assert mode == {"type": "mute_mode", "mode": "presentation",
                                "may_speak": may_speak, "speakers": ["host"]}
                muted = await client.wait_for(
                    "muted", lambda m: m["participant_id"] == "ann", since=marks[client])
                assert (muted["source"], muted["muted"], muted["by"]) == \
                    ("microphone", True, "moderator")

            await ann.send(type="unpublish", track_id="ann:camera")
            gone = await host.wait_for("track_unpublished")
            assert (gone["participant_id"], gone["source"]) == ("ann", "camera")

            await ann.send(type="leave")
            assert await until(lambda: ann.close_code) == 1000
            left = await host.wait_for("participant_left")
            assert left == {"type": "participant_left", "participant_id": "ann",
                            "reason": "left"}
        finally:
            await asyncio.gather(host.close(), ann.close())

    run(scenario())
