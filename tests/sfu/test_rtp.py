"""RTP rewriting and key frame detection, on packets of aiortc's real encoders."""

from __future__ import annotations

import fractions

import pytest
from aiortc.codecs import get_encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import HeaderExtensionsMap, RtpPacket

from app.sfu.rtp import rewrite_header, starts_keyframe
from tests.sfu.media import counter_frame

CODECS = {
    "VP8": RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96),
    "H264": RTCRtpCodecParameters(
        mimeType="video/H264", clockRate=90000, payloadType=102,
        parameters={"packetization-mode": "1", "level-asymmetry-allowed": "1",
                    "profile-level-id": "42e01f"}),
}


def encoded_frames(codec: str, count: int) -> list[list[bytes]]:
    """RTP payloads of ``count`` frames; the first is a key frame, the rest not."""
    encoder = get_encoder(CODECS[codec])
    frames = []
    for n in range(count):
        frame = counter_frame(n)
        frame.pts, frame.time_base = n * 3000, fractions.Fraction(1, 90000)
        payloads, _ = encoder.encode(frame, force_keyframe=n == 0)
        frames.append(payloads)
    return frames


@pytest.mark.parametrize("codec", ["VP8", "H264"])
def test_only_the_first_packet_of_a_key_frame_starts_one(codec):
    key, *deltas = encoded_frames(codec, 5)
    assert starts_keyframe(codec, key[0])
    assert not any(starts_keyframe(codec, p) for p in key[1:] if codec == "VP8")
    assert not any(starts_keyframe(codec, p) for frame in deltas for p in frame)


def test_rewriting_changes_only_type_sequence_timestamp_and_ssrc():
    packet = RtpPacket(payload_type=111, marker=1, sequence_number=65535,
                       timestamp=4294967295, ssrc=1234, payload=b"\x01\x02\x03")
    packet.csrc = [42]
    raw = packet.serialize(HeaderExtensionsMap())
    out = RtpPacket.parse(rewrite_header(raw, 96, 7, 9, 5678))
    assert (out.payload_type, out.sequence_number, out.timestamp, out.ssrc) == (96, 7, 9, 5678)
    assert (out.marker, out.csrc, out.payload) == (1, [42], b"\x01\x02\x03")
