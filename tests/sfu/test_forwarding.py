"""Forwarding between real aiortc peers through a real node process."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time

from aiortc import MediaStreamTrack

from app.protocol import signalling as sig
from app.protocol.join_token import Role
from tests.helpers import REPO_ROOT
from tests.sfu.client import NodeClient
from tests.sfu.conftest import new_session, run
from tests.sfu.media import CounterVideo, ToneAudio, read_counter

CAMERA, MICROPHONE = sig.Source.CAMERA, sig.Source.MICROPHONE


async def frames_for(track: MediaStreamTrack, seconds: float) -> list[tuple[float, int]]:
    """(arrival time, counter) of every frame decoded within ``seconds``."""
    got: list[tuple[float, int]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = await asyncio.wait_for(track.recv(), left)
        except TimeoutError:
            break
        got.append((time.monotonic(), read_counter(frame)))
    return got


def fps(frames: list[tuple[float, int]]) -> float:
    return (len(frames) - 1) / (frames[-1][0] - frames[0][0])


async def publisher(grant, session_id: str) -> NodeClient:
    client = NodeClient(*grant(session_id, participant_id="pub", name="Publisher"),
                        publish={CAMERA: CounterVideo(), MICROPHONE: ToneAudio()})
    await client.connect()
    await client.wait_for(sig.Joined)
    return client


async def subscriber(grant, session_id: str, **options) -> NodeClient:
    client = NodeClient(*grant(session_id, role=Role.VIEWER, **options))
    await client.connect()
    await client.wait_for(sig.Joined)
    return client


def continuous(seqs: list[int]) -> bool:
    return all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))


def test_three_subscribers_decode_every_frame_in_order_at_the_publishers_rate(node, grant):
    async def scenario() -> None:
        session = new_session()
        pub = await publisher(grant, session)
        subs = [await subscriber(grant, session) for _ in range(3)]
        try:
            videos = [await s.wait_track("pub", CAMERA) for s in subs]
            audios = [await s.wait_track("pub", MICROPHONE) for s in subs]
            await asyncio.gather(*(frames_for(v, 1.0) for v in videos))  # first frame
            received = await asyncio.gather(*(frames_for(v, 3.0) for v in videos))
            for sub, frames in zip(subs, received, strict=True):
                counters = [n for _, n in frames]
                assert counters == list(range(counters[0], counters[0] + len(counters))), \
                    "frames skipped or out of order"
                assert 25 <= fps(frames) <= 35, fps(frames)
                video_mid = sub.transceiver_for("pub", CAMERA).mid
                assert continuous(sub.received_seqs[video_mid])
            for audio in audios:
                assert (await asyncio.wait_for(audio.recv(), 5)).sample_rate == 48000
        finally:
            await asyncio.gather(pub.close(), *(s.close() for s in subs))

    run(scenario())


def test_a_subscriber_joining_late_gets_a_key_frame_within_a_second(node, grant):
    async def scenario() -> None:
        session = new_session()
        pub = await publisher(grant, session)
        early = await subscriber(grant, session)
        try:
            await frames_for(await early.wait_track("pub", CAMERA), 10.0)
            requests_before = pub.keyframe_requests
            joined = time.monotonic()
            late = await subscriber(grant, session)
            try:
                video = await late.wait_track("pub", CAMERA)
                await asyncio.wait_for(video.recv(), 5)
                assert time.monotonic() - joined < 1.0
                assert pub.keyframe_requests > requests_before, "the node sent no PLI"
            finally:
                await late.close()
        finally:
            await asyncio.gather(pub.close(), early.close())

    run(scenario())


def test_lost_packets_are_repaired_by_nack(node, grant):
    async def scenario() -> None:
        session = new_session()
        pub = await publisher(grant, session)
        sub = await subscriber(grant, session)
        try:
            video = await sub.wait_track("pub", CAMERA)
            await frames_for(video, 1.0)
            mid = sub.transceiver_for("pub", CAMERA).mid
            lost_once: set[int] = set()

            def drop(ssrc: int, seq: int) -> bool:
                if ssrc != sub.ssrc_of[mid] or seq % 17 or seq in lost_once:
                    return False
                lost_once.add(seq)
                return True

            sub.drop = drop
            frames = await frames_for(video, 3.0)
            sub.drop = None
            await asyncio.sleep(0.5)
            assert len(lost_once) >= 10
            repaired = lost_once & set(sub.received_seqs[mid])
            assert repaired == lost_once, f"not retransmitted: {sorted(lost_once - repaired)}"
            counters = [n for _, n in frames]
            assert counters == list(range(counters[0], counters[0] + len(counters)))
        finally:
            await asyncio.gather(pub.close(), sub.close())

    run(scenario())


def test_a_frozen_subscriber_does_not_slow_the_others(node, grant):
    async def scenario() -> None:
        session = new_session()
        pub = await publisher(grant, session)
        subs = [await subscriber(grant, session) for _ in range(2)]
        frozen = subprocess.Popen(
            [sys.executable, "-m", "tests.sfu.subscriber_process",
             *grant(session, role=Role.VIEWER), "pub"],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
        try:
            assert frozen.stdout is not None
            ready = await asyncio.to_thread(frozen.stdout.readline)
            assert ready.strip() == "ready"
            os.kill(frozen.pid, signal.SIGSTOP)  # it reads nothing from now on
            videos = [await s.wait_track("pub", CAMERA) for s in subs]
            await asyncio.gather(*(frames_for(v, 0.5) for v in videos))
            received = await asyncio.gather(*(frames_for(v, 4.0) for v in videos))
            for frames in received:
                counters = [n for _, n in frames]
                # On 2 shared cores a frame may miss its retransmission now
                # and then, and the decoder may then show an earlier picture
                # again (seen in CI: 176, 177, 176, 179). A subscriber slowed
                # by the frozen one loses many frames, not one or two.
                shown = sorted(set(counters))
                missing = shown[-1] - shown[0] + 1 - len(shown)
                backwards = sum(1 for a, b in itertools.pairwise(counters) if b <= a)
                assert missing + backwards <= 2, (missing, backwards, counters)
                assert fps(frames) >= 25, fps(frames)
        finally:
            os.kill(frozen.pid, signal.SIGCONT)
            frozen.kill()
            frozen.wait()
            await asyncio.gather(pub.close(), *(s.close() for s in subs))

    run(scenario())


def test_a_publisher_that_reconnects_continues_the_same_stream(node, grant):
    async def scenario() -> None:
        session = new_session()
        url, token = grant(session, participant_id="pub", name="Publisher")
        first = NodeClient(url, token, publish={CAMERA: CounterVideo()})
        await first.connect()
        sub = await subscriber(grant, session)
        second = None
        try:
            video = await sub.wait_track("pub", CAMERA)
            await frames_for(video, 1.0)
            mid = sub.transceiver_for("pub", CAMERA).mid
            seen, ssrc = len(sub.received_seqs[mid]), sub.ssrc_of[mid]
            second = NodeClient(url, token, publish={CAMERA: CounterVideo()})
            await second.connect()  # same participant: the node replaces the first
            assert await first.wait_closed() == sig.CloseCode.REPLACED
            frames = await frames_for(video, 3.0)
            assert fps(frames[-30:]) >= 25, "the stream went on after the switch"
            assert continuous(sub.received_seqs[mid][seen - 5:]), \
                "sequence numbers jump at the switch"
            assert sub.ssrc_of[mid] == ssrc, "the subscriber's stream changed its SSRC"
        finally:
            await asyncio.gather(first.close(), sub.close(),
                                 *([second.close()] if second else []))

    run(scenario())


def test_h264_is_forwarded_when_the_publisher_negotiates_it(node, grant):
    async def scenario() -> None:
        session = new_session()
        pub = NodeClient(*grant(session, participant_id="pub"),
                         publish={CAMERA: CounterVideo()}, video_codec="H264")
        await pub.connect()
        sub = await subscriber(grant, session)
        try:
            video = await sub.wait_track("pub", CAMERA)
            frames = await frames_for(video, 3.0)
            assert len(frames) > 30
            counters = [n for _, n in frames]
            assert counters == sorted(counters)
            mid = sub.transceiver_for("pub", CAMERA).mid
            rtpmap = f"a=rtpmap:{sub.payload_type_of[mid]} H264/90000"
            assert rtpmap in sub.pc.remoteDescription.sdp
        finally:
            await asyncio.gather(pub.close(), sub.close())

    run(scenario())


def test_an_unmuted_camera_shows_a_picture_within_a_second(node, grant):
    """The publisher keeps sending while muted (as a browser's disabled track
    does) and the node drops it all; at the unmute the subscriber's stream
    goes on with no gap in its sequence numbers from the next key frame, which
    the node asks for at once."""
    async def scenario() -> None:
        session = new_session()
        pub = await publisher(grant, session)
        sub = await subscriber(grant, session)
        try:
            video = await sub.wait_track("pub", CAMERA)
            await frames_for(video, 1.0)
            mid = sub.transceiver_for("pub", CAMERA).mid
            await pub.send(sig.SetMuted(track_id="pub:camera", muted=True))
            await sub.wait_for(sig.Muted, lambda m: m.track_id == "pub:camera" and m.muted)
            before_mute = await frames_for(video, 2.0)  # ~60 frames go nowhere
            assert len(before_mute) < 15, "frames were forwarded while muted"
            seen, requests = len(sub.received_seqs[mid]), pub.keyframe_requests
            await pub.send(sig.SetMuted(track_id="pub:camera", muted=False))
            unmuted = time.monotonic()
            picture = await asyncio.wait_for(video.recv(), 5)
            assert time.monotonic() - unmuted < 1.0, "no picture within a second"
            assert read_counter(picture) > max((n for _, n in before_mute), default=0)
            assert pub.keyframe_requests > requests, "the node sent no PLI at the unmute"
            await frames_for(video, 0.5)
            assert continuous(sub.received_seqs[mid][seen - 5:]), \
                "sequence numbers jump at the unmute"
        finally:
            await asyncio.gather(pub.close(), sub.close())

    run(scenario())
