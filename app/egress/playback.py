"""Playbacks: a video file played into the composed picture (the rooms
API's ``POST /rooms/<key>/playbacks``). The egress fetches the file into a
temporary file, then aiortc's ``MediaPlayer`` decodes it in its own thread
at its own pace; the reader tasks here keep its latest picture for the
compositor and hand its sound to the mixer when asked to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable

import aiohttp
import av
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError

from app.protocol.egress_api import PlaybackSpec
from app.sfu.tasks import OwnedTasks

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 500 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 60.0
CHUNK_BYTES = 256 * 1024


class PlaybackFailed(Exception):
    """The file could not be fetched or opened."""


class Playback:
    """One file playing. ``frame`` is its latest picture (None before the
    first); ``sound`` receives its audio frames when the spec asks for sound;
    ``ended`` is called once it has played ``loop_count`` + 1 times."""

    def __init__(self, spec: PlaybackSpec, sound: Callable[[av.AudioFrame], None],
                 ended: Callable[[Playback], None]):
        self.spec, self._sound, self._ended = spec, sound, ended
        self.frame: av.VideoFrame | None = None
        self._path = ""
        self._player: MediaPlayer | None = None
        self._tasks = OwnedTasks(f"playback {spec.play_id}")

    async def start(self) -> None:
        """Fetched and playing, or ``PlaybackFailed``."""
        self._path = await _download(self.spec.url)
        try:
            await asyncio.to_thread(self._open)  # probing the file is I/O and codec work
        except (av.FFmpegError, OSError, ValueError) as exc:
            self._remove_file()
            raise PlaybackFailed(f"cannot play {self.spec.url}: {exc}") from exc
        self._tasks.spawn(self._play(), "play")

    async def stop(self) -> None:
        await self._tasks.cancel_all()
        await asyncio.to_thread(self._close)
        self._remove_file()

    def _open(self) -> None:
        self._player = MediaPlayer(self._path, loop=self.spec.loop_count < 0)
        if self._player.video is None and self._player.audio is None:
            raise ValueError("no audio or video in the file")

    def _close(self) -> None:
        player, self._player = self._player, None
        if player is not None:
            for track in (player.audio, player.video):
                if track is not None:
                    track.stop()

    async def _play(self) -> None:
        plays = 0
        while True:
            assert self._player is not None
            readers = [self._read(track) for track in (self._player.video, self._player.audio)
                       if track is not None]
            await asyncio.gather(*readers)
            plays += 1
            if 0 <= self.spec.loop_count < plays:
                break
            await asyncio.to_thread(self._close)
            await asyncio.to_thread(self._open)
        self._ended(self)

    async def _read(self, track: object) -> None:
        while True:
            try:
                frame = await track.recv()  # type: ignore[attr-defined]
            except MediaStreamError:
                return
            if isinstance(frame, av.VideoFrame):
                self.frame = frame
            elif isinstance(frame, av.AudioFrame) and self.spec.audio:
                self._sound(frame)

    def _remove_file(self) -> None:
        if self._path:
            with contextlib.suppress(OSError):
                os.unlink(self._path)
            self._path = ""


async def _download(url: str) -> str:
    """``url`` fetched into a temporary file (its path), at most MAX_FILE_BYTES."""
    handle, path = tempfile.mkstemp(prefix="confera-playback-")
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
    try:
        with os.fdopen(handle, "wb") as file:
            async with aiohttp.ClientSession(timeout=timeout) as http, \
                    http.get(url) as answer:
                if answer.status != 200:
                    raise PlaybackFailed(f"{url} answered {answer.status}")
                size = 0
                async for chunk in answer.content.iter_chunked(CHUNK_BYTES):
                    size += len(chunk)
                    if size > MAX_FILE_BYTES:
                        raise PlaybackFailed(f"{url} is larger than {MAX_FILE_BYTES} bytes")
                    await asyncio.to_thread(file.write, chunk)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        os.unlink(path)
        raise PlaybackFailed(f"could not fetch {url}: {exc or type(exc).__name__}") from exc
    except PlaybackFailed:
        os.unlink(path)
        raise
    return path
