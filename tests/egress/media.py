"""Publishers with known content for the egress tests: each sends a flat
colour (with its frame number in squares along the top) and a tone."""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import Future
from typing import Any

import av
import numpy as np
from aiortc import VideoStreamTrack

from app.protocol import signalling as sig
from tests.sfu.client import NodeClient
from tests.sfu.media import ToneAudio

WIDTH, HEIGHT = 320, 240
# BT.601 video-range YUV of pure-ish red and blue, and how they look as RGB.
RED = (81, 90, 240)
BLUE = (41, 240, 110)


class ColourVideo(VideoStreamTrack):
    def __init__(self, yuv: tuple[int, int, int]):
        super().__init__()
        y, u, v = yuv
        self._planes = np.empty((HEIGHT * 3 // 2, WIDTH), np.uint8)
        self._planes[:HEIGHT] = y
        self._planes[HEIGHT:HEIGHT + HEIGHT // 4] = u
        self._planes[HEIGHT + HEIGHT // 4:] = v
        self.count = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        planes = self._planes.copy()
        for bit in range(16):  # the frame number, 20 px squares, white for 1
            if self.count >> (15 - bit) & 1:
                planes[:20, bit * 20:(bit + 1) * 20] = 235
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts, frame.time_base = pts, time_base
        self.count += 1
        return frame


class Publishers:
    """aiortc clients publishing camera and microphone, on an event loop in a
    thread of their own so that the test can wait on the egress meanwhile."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.clients: list[NodeClient] = []

    def join(self, ws_url: str, token: str, colour: tuple[int, int, int]) -> None:
        self._call(self._join(ws_url, token, colour))

    async def _join(self, ws_url: str, token: str, colour: tuple[int, int, int]) -> None:
        client = NodeClient(ws_url, token, publish={sig.Source.CAMERA: ColourVideo(colour),
                                                    sig.Source.MICROPHONE: ToneAudio()})
        await client.connect()
        await client.wait_for(sig.Joined)
        await client.wait_negotiated()
        self.clients.append(client)

    def close(self) -> None:
        async def close_all() -> None:
            await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)
        self._call(close_all())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _call(self, coroutine: Any, timeout: float = 30) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout)


def participant_id() -> str:
    return uuid.uuid4().hex[:12]
