"""The recording's byte stream cut into init.mp4 and one chunk per fragment."""

from __future__ import annotations

import pytest

from app.egress.outputs.chunks import ChunkWriter


def box(kind: bytes, payload: bytes = b"x" * 10) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def large_box(kind: bytes, payload: bytes) -> bytes:
    return (1).to_bytes(4, "big") + kind + (16 + len(payload)).to_bytes(8, "big") + payload


def test_chunks_are_cut_after_moov_and_after_each_mdat_whatever_the_writes() -> None:
    stream = (box(b"ftyp") + box(b"moov") + box(b"moof") + box(b"mdat", b"a" * 100)
              + box(b"moof") + large_box(b"mdat", b"b" * 50))
    emitted: list[tuple[str, bytes]] = []
    writer = ChunkWriter(lambda name, data: emitted.append((name, data)))
    for i in range(0, len(stream), 7):  # the muxer's writes fall anywhere
        writer.write(stream[i:i + 7])
    assert [name for name, _ in emitted] == ["init.mp4", "000000.m4s", "000001.m4s"]
    assert emitted[0][1] == box(b"ftyp") + box(b"moov")
    assert emitted[1][1] == box(b"moof") + box(b"mdat", b"a" * 100)
    assert b"".join(data for _, data in emitted) == stream
    assert (writer.chunks, writer.size) == (2, len(stream))


def test_a_half_written_fragment_is_not_emitted_until_it_is_whole() -> None:
    emitted: list[str] = []
    writer = ChunkWriter(lambda name, data: emitted.append(name))
    writer.write(box(b"ftyp") + box(b"moov") + box(b"moof") + box(b"mdat", b"a" * 100)[:50])
    assert emitted == ["init.mp4"]


def test_a_malformed_box_size_fails_loudly() -> None:
    writer = ChunkWriter(lambda name, data: None)
    with pytest.raises(ValueError, match="malformed"):
        writer.write((4).to_bytes(4, "big") + b"moof")
