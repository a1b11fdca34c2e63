"""A write-only file for a fragmented MP4 muxer that cuts the byte stream
into ``init.mp4`` (ftyp + moov) and one chunk per fragment (moof + mdat),
each handed on as soon as its last byte is written."""

from __future__ import annotations

from collections.abc import Callable

HEADER = 8


class ChunkWriter:
    """``emit(name, data)``: ``name`` is ``init.mp4`` or ``<n:06d>.m4s``."""

    def __init__(self, emit: Callable[[str, bytes], None]):
        self._emit = emit
        self._buffer = bytearray()
        self._pending = bytearray()  # whole boxes of the chunk in progress
        self.chunks = 0  # fragments emitted
        self.size = 0  # bytes emitted, init included

    # The muxer writes through these (PyAV's file-like protocol).
    def write(self, data: bytes) -> int:
        self._buffer += data
        self._take_boxes()
        return len(data)

    def flush(self) -> None:
        pass

    def seekable(self) -> bool:
        return False

    def _take_boxes(self) -> None:
        while len(self._buffer) >= HEADER:
            size = int.from_bytes(self._buffer[:4], "big")
            kind = bytes(self._buffer[4:8])
            if size == 1:  # a 64-bit size follows the type
                if len(self._buffer) < 16:
                    return
                size = int.from_bytes(self._buffer[8:16], "big")
            if size < HEADER:
                raise ValueError(f"malformed MP4 box {kind!r} of size {size}")
            if len(self._buffer) < size:
                return
            self._pending += self._buffer[:size]
            del self._buffer[:size]
            if kind == b"moov":
                self._send("init.mp4")
            elif kind == b"mdat":
                self._send(f"{self.chunks:06d}.m4s")
                self.chunks += 1

    def close(self) -> None:
        """Whatever is left (a trailer) goes out as one more chunk."""
        self._pending += self._buffer
        self._buffer.clear()
        if self._pending:
            self._send(f"{self.chunks:06d}.m4s")
            self.chunks += 1

    def _send(self, name: str) -> None:
        data = bytes(self._pending)
        self._pending.clear()
        self.size += len(data)
        self._emit(name, data)
