"""RTP byte-level helpers for forwarding: rewrite a header, spot key frames.

Pure functions on bytes; the per-packet path of the node, so kept lean.
"""

from __future__ import annotations

import struct

_SEQ_TS_SSRC = struct.Struct("!HII")


def rewrite_header(raw: bytes, payload_type: int, sequence_number: int, timestamp: int,
                   ssrc: int) -> bytes:
    """``raw`` (a serialized RTP packet) with a subscriber's payload type,
    sequence number, timestamp and SSRC; marker, CSRCs and payload kept."""
    buf = bytearray(raw)
    buf[1] = (raw[1] & 0x80) | payload_type
    _SEQ_TS_SSRC.pack_into(buf, 2, sequence_number, timestamp, ssrc)
    return bytes(buf)


def vp8_starts_keyframe(payload: bytes) -> bool:
    """True if this VP8 RTP payload (RFC 7741) begins a key frame."""
    if len(payload) < 1:
        return False
    first = payload[0]
    start_of_partition, partition_id = first & 0x10, first & 0x07
    if not start_of_partition or partition_id != 0:
        return False
    offset = 1
    if first & 0x80:  # X: extended control bits follow
        if len(payload) < 2:
            return False
        ext = payload[1]
        offset = 2
        if ext & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= offset:
                return False
            offset += 2 if payload[offset] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            offset += 1
        if ext & 0x30:  # T or K: TID/KEYIDX byte
            offset += 1
    # The VP8 payload header's lowest bit is P, the inverse key frame flag.
    return len(payload) > offset and payload[offset] & 0x01 == 0


_H264_KEY_NAL_TYPES = frozenset({5, 7})  # IDR slice, sequence parameter set


def h264_starts_keyframe(payload: bytes) -> bool:
    """True if this H.264 RTP payload (RFC 6184) carries an IDR or SPS start."""
    if len(payload) < 2:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type in _H264_KEY_NAL_TYPES:
        return True
    if nal_type == 24:  # STAP-A: 2-byte sizes, then NAL units
        offset = 1
        while offset + 2 < len(payload):
            size = int.from_bytes(payload[offset:offset + 2], "big")
            if payload[offset + 2] & 0x1F in _H264_KEY_NAL_TYPES:
                return True
            offset += 2 + size
        return False
    if nal_type == 28:  # FU-A: the start fragment names the NAL type
        return bool(payload[1] & 0x80) and payload[1] & 0x1F in _H264_KEY_NAL_TYPES
    return False


def starts_keyframe(codec: str, payload: bytes) -> bool:
    """Key frame start for a codec name as in SDP (``VP8``, ``H264``); audio: True."""
    name = codec.upper()
    if name == "VP8":
        return vp8_starts_keyframe(payload)
    if name == "H264":
        return h264_starts_keyframe(payload)
    return True


def seq_add(a: int, b: int) -> int:
    return (a + b) & 0xFFFF


def ts_add(a: int, b: int) -> int:
    return (a + b) & 0xFFFFFFFF
