"""A publication's sequence numbers for its subscribers, without a network."""

from __future__ import annotations

import itertools
from typing import Any, cast

from aiortc import RTCRtpSender
from aiortc.rtp import RtpPacket

from app.sfu.forwarding import DownTrack, Publication, SubscriberOutput

VP8_KEY = bytes([0x10, 0x00, 0x00, 0x00])  # start of partition 0, P bit clear
VP8_DELTA = bytes([0x10, 0x01, 0x00, 0x00])


class Collected(SubscriberOutput):
    def __init__(self) -> None:
        async def never(_sender: RTCRtpSender, _data: bytes) -> None:
            raise AssertionError("not started")

        super().__init__("collected", never)
        self.packets: list[bytes] = []

    def push(self, sender: RTCRtpSender, data: bytes) -> None:
        self.packets.append(data)

    def sequence_numbers(self) -> list[int]:
        return [int.from_bytes(p[2:4], "big") for p in self.packets]


def packet(seq: int, payload: bytes) -> RtpPacket:
    return RtpPacket(payload_type=96, sequence_number=seq, timestamp=seq * 3000, ssrc=1234,
                     payload=payload)


def test_an_unmute_continues_the_sequence_numbers_at_a_key_frame_asked_for_at_once():
    plis: list[int] = []
    publication = Publication("pub:camera", "pub", "camera", "video", 60.0)
    publication.bind(plis.append)
    output = Collected()
    down = DownTrack(publication, cast(Any, None), 99, output)
    publication.add_down_track("sub", down)
    down.on_negotiated({"VP8": 96})
    seq = 1000
    for payload in [VP8_KEY, *[VP8_DELTA] * 9]:
        publication.on_rtp(packet(seq := seq + 1, payload), "VP8", 90000)
    assert len(output.packets) == 10 and len(plis) == 1

    publication.set_muted(True)
    for _ in range(60):  # the publisher goes on; nothing is forwarded
        publication.on_rtp(packet(seq := seq + 1, VP8_DELTA), "VP8", 90000)
    publication.set_muted(False)
    assert len(plis) == 2, "no key frame asked for at the unmute"
    publication.on_rtp(packet(seq := seq + 1, VP8_DELTA), "VP8", 90000)
    publication.on_rtp(packet(seq := seq + 1, VP8_KEY), "VP8", 90000)
    publication.on_rtp(packet(seq := seq + 1, VP8_DELTA), "VP8", 90000)

    seqs = output.sequence_numbers()
    assert len(seqs) == 12, "forwarding resumed before the key frame"
    assert all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))

