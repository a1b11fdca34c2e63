"""The room's one encode: H.264 (libx264) and AAC, fed by the media thread.

The encoder contexts belong to streams of a container that never writes
(format ``null``): outputs copy those streams' codec parameters into their
own muxers (``add_stream_from_template``), so every output takes the same
packets without a second encode."""

from __future__ import annotations

import fractions
import os

import av
from av.audio.stream import AudioStream
from av.codec.context import Flags
from av.video.stream import VideoStream

from app.egress.outputs import EncodedStreams

KEYFRAME_SECONDS = 2  # HLS segments and MP4 fragments are cut at key frames
AUDIO_BITRATE = 128_000


class Encoder:
    """Encodes composed pictures and mixed sound; returns the packets."""

    def __init__(self, width: int, height: int, fps: int = 30, sample_rate: int = 48_000,
                 preset: str = "ultrafast", video_bitrate: int = 2_500_000):
        self._holder = av.open(os.devnull, "w", format="null")
        video = self._holder.add_stream("libx264", rate=fps)
        ctx = video.codec_context
        ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
        ctx.time_base = fractions.Fraction(1, fps)
        ctx.gop_size = KEYFRAME_SECONDS * fps
        ctx.bit_rate = video_bitrate
        # Global header: the extradata (SPS/PPS) the MP4 and FLV muxers need;
        # repeat-headers: the same in every key frame, which MPEG-TS needs.
        # No scene cuts: key frames come every KEYFRAME_SECONDS exactly.
        # VBV: a bounded rate, so a segment never bursts past what viewers take.
        kbps = video_bitrate // 1000
        ctx.options = {"preset": preset, "tune": "zerolatency",
                       "x264-params": f"repeat-headers=1:scenecut=0:vbv-maxrate={kbps}:"
                                      f"vbv-bufsize={2 * kbps}"}
        ctx.flags |= Flags.global_header
        ctx.open()
        audio = self._holder.add_stream("aac", rate=sample_rate)
        actx = audio.codec_context
        actx.layout, actx.format = "stereo", "fltp"
        actx.bit_rate = AUDIO_BITRATE
        actx.time_base = fractions.Fraction(1, sample_rate)
        actx.flags |= Flags.global_header
        actx.open()
        # Copies the contexts' parameters (size, extradata) into the streams,
        # where add_stream_from_template reads them; the null muxer writes nothing.
        self._holder.start_encoding()
        assert isinstance(video, VideoStream) and isinstance(audio, AudioStream)
        self.streams = EncodedStreams(video=video, audio=audio, width=width, height=height,
                                      fps=fps, sample_rate=sample_rate)
        self._video, self._audio = ctx, actx
        self._next_keyframe = 0

    def video(self, frame: av.VideoFrame, index: int, keyframe: bool = False) -> list[av.Packet]:
        """Packets for the picture shown at frame ``index`` (1/fps units; frames
        the room skipped leave gaps). ``keyframe`` forces one now (a new output
        should not wait a whole interval for its first)."""
        frame.pts, frame.time_base = index, self._video.time_base
        if index >= self._next_keyframe:
            # Forced by time, not only by gop_size: skipped frames would
            # otherwise stretch the interval between key frames.
            frame.pict_type = av.video.frame.PictureType.I
            self._next_keyframe = index + KEYFRAME_SECONDS * self.streams.fps
        elif keyframe:
            # An extra one that leaves the 2 s cadence (HLS segments) as it was.
            frame.pict_type = av.video.frame.PictureType.I
        else:
            frame.pict_type = av.video.frame.PictureType.NONE
        return list(self._video.encode(frame))

    def audio(self, frame: av.AudioFrame) -> list[av.Packet]:
        """Packets for ``frame`` (any sample format; pts in 1/sample_rate)."""
        return list(self._audio.encode(frame))

    def flush(self) -> list[tuple[av.Packet, bool]]:
        """What the encoders still hold, as (packet, video)."""
        return [(p, True) for p in self._video.encode(None)] + \
               [(p, False) for p in self._audio.encode(None)]

    def close(self) -> None:
        self._holder.close()
