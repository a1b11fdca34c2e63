"""Baseline "relay" of ``bench/sfu.py``: decode once, re-encode for every subscriber.

The simplest forwarding aiortc offers: the publisher's track goes through
``aiortc.contrib.media.MediaRelay`` and every subscriber's sender encodes its own VP8 stream
from the decoded frames. One process, HTTP signalling on 127.0.0.1 (clients offer, the relay
answers):

- ``POST /publish`` ``{"sdp"}`` -> ``{"sdp"}``: the one publisher.
- ``POST /subscribers`` ``{"sdp"}`` -> ``{"id", "sdp"}``; ``DELETE /subscribers/{id}``.

Run as ``python -m bench.relay_node --port P --address 127.0.0.1``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging

from aiohttp import web
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.codecs import vpx
from aiortc.contrib.media import MediaBlackhole, MediaRelay

from bench.forwarding.clients import CLIP_BITRATE, restrict_ice_gathering

log = logging.getLogger("relay_node")


class RelayNode:
    """One publisher's video, re-encoded for each subscriber."""

    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.track: MediaStreamTrack | None = None
        self.track_ready = asyncio.Event()
        self.publisher: RTCPeerConnection | None = None
        self.subscribers: dict[str, RTCPeerConnection] = {}
        # Drains the publisher's track while nobody subscribes: aiortc queues every decoded
        # frame of a remote track until it is read, without a bound.
        self.drain = MediaBlackhole()
        self._ids = itertools.count(1)

    async def publish(self, request: web.Request) -> web.Response:
        if self.publisher is not None:
            raise web.HTTPConflict(text="there is a publisher already")
        self.publisher = pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video" and self.track is None:
                self.track = track
                self.drain.addTrack(self.relay.subscribe(track, buffered=False))
                self.track_ready.set()

        answer = await self._answer(pc, (await request.json())["sdp"])
        await self.drain.start()
        return web.json_response({"sdp": answer})

    async def subscribe(self, request: web.Request) -> web.Response:
        offer = (await request.json())["sdp"]
        await asyncio.wait_for(self.track_ready.wait(), timeout=30)
        assert self.track is not None
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        subscriber_id = str(next(self._ids))
        self.subscribers[subscriber_id] = pc
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        # Not buffered: a subscriber that falls behind gets the newest frame, so overload
        # shows as a lower frame rate rather than a growing delay.
        pc.addTrack(self.relay.subscribe(self.track, buffered=False))
        await pc.setLocalDescription(await pc.createAnswer())
        return web.json_response({"id": subscriber_id, "sdp": pc.localDescription.sdp})

    async def unsubscribe(self, request: web.Request) -> web.Response:
        pc = self.subscribers.pop(request.match_info["id"], None)
        if pc is None:
            raise web.HTTPNotFound()
        await pc.close()
        return web.json_response({})

    async def _answer(self, pc: RTCPeerConnection, offer: str) -> str:
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return pc.localDescription.sdp

    async def close(self, _app: web.Application) -> None:
        await self.drain.stop()
        peers = [*self.subscribers.values(), *([self.publisher] if self.publisher else [])]
        await asyncio.gather(*(pc.close() for pc in peers))


def application() -> web.Application:
    node = RelayNode()
    app = web.Application()
    app.add_routes([web.post("/publish", node.publish),
                    web.post("/subscribers", node.subscribe),
                    web.delete("/subscribers/{id}", node.unsubscribe)])
    app.on_shutdown.append(node.close)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--address", default="127.0.0.1",
                        help="the only address ICE gathers on; also the HTTP address")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    restrict_ice_gathering(args.address)
    # aiortc's VP8 encoder starts at 500 kbit/s and is capped at 1.5 Mbit/s; re-encode at
    # the publisher's bitrate so the baseline sends what the forwarders forward.
    vpx.DEFAULT_BITRATE = vpx.MAX_BITRATE = CLIP_BITRATE
    web.run_app(application(), host=args.address, port=args.port, print=None,
                handle_signals=True)


if __name__ == "__main__":
    main()
