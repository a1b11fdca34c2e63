"""One egress, one session with two publishers (red Ann, blue Bob), a live
stream, a 20 s recording and a snapshot at once, from one encode."""

from __future__ import annotations

import io
import pathlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import av
import m3u8
import numpy as np
import pytest

from app.protocol.egress_api import (
    Layout,
    OutputKind,
    OutputSpec,
    OutputState,
    SetLayout,
    StopOutput,
)
from tests.egress.conftest import EgressProcess, Meeting, output
from tests.egress.fake_web import FakeEgressWeb, command

RECORD_SECONDS = 20.0
WIDTH, HEIGHT = 1280, 720


@dataclass
class Run:
    storage: pathlib.Path
    web: FakeEgressWeb
    hls: OutputSpec
    recording: OutputSpec
    snapshot: OutputSpec
    audio: OutputSpec  # an audio-only recording
    speaker_snapshot: OutputSpec  # taken after SetLayout(SPEAKER, Bob)
    recorded_seconds: float  # from the start command's answer to the stop command


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, fake_web: FakeEgressWeb,
        meeting: Meeting) -> Iterator[Run]:
    storage = tmp_path_factory.mktemp("storage")
    egress = EgressProcess(fake_web, storage)
    hls, recording, snapshot = (output(OutputKind.HLS), output(OutputKind.RECORDING),
                                output(OutputKind.SNAPSHOT))
    audio, speaker_snapshot = output(OutputKind.RECORDING, audio_only=True), \
        output(OutputKind.SNAPSHOT)
    try:
        answer = meeting.start(egress, hls, recording, snapshot, audio, width=WIDTH,
                               height=HEIGHT)
        assert answer.status_code == 200, answer.text
        started = time.monotonic()
        fake_web.wait_state(hls.output_id, OutputState.LIVE, timeout=15)
        time.sleep(max(RECORD_SECONDS / 2 - (time.monotonic() - started), 0))
        assert command(egress.control_url, SetLayout(
            session_id=meeting.session_id, layout=Layout.SPEAKER,
            focus_participant_id=meeting.participants["Bob Blue"])).status_code == 200
        assert meeting.start(egress, speaker_snapshot).status_code == 200
        time.sleep(max(RECORD_SECONDS - (time.monotonic() - started), 0))
        for spec in (recording, hls, audio):
            assert command(egress.control_url, StopOutput(
                session_id=meeting.session_id, output_id=spec.output_id)).status_code == 200
        recorded = time.monotonic() - started
        for spec in (recording, hls, snapshot, audio, speaker_snapshot):
            fake_web.wait_state(spec.output_id, OutputState.STOPPED, OutputState.FAILED)
        yield Run(storage, fake_web, hls, recording, snapshot, audio, speaker_snapshot,
                  recorded)
    finally:
        egress.stop()


def test_hls_playlist_parses_and_lists_two_second_segments(run: Run) -> None:
    playlist = m3u8.load(str(run.storage / run.hls.storage_prefix / "live.m3u8"))
    assert playlist.is_endlist
    assert playlist.target_duration == 2
    assert len(playlist.segments) >= 6
    for segment in playlist.segments[:-1]:
        # Cut at key frames every 2 s of the room's clock; a busy machine may
        # skip the picture due then, and the cut comes with the next one.
        assert 1.5 <= segment.duration <= 2.5
        assert (run.storage / run.hls.storage_prefix / segment.uri).is_file()


def test_hls_segments_decode_at_the_layout_size_with_sound(run: Run) -> None:
    segment = run.storage / run.hls.storage_prefix / "3.ts"
    with av.open(str(segment)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        frames = list(container.decode(video=0))
        assert (frames[0].width, frames[0].height) == (WIDTH, HEIGHT)
        assert frames[0].key_frame  # a segment starts with a key frame
        seconds = (frames[-1].pts - frames[0].pts) * frames[0].time_base
        assert 1.5 <= seconds + 1 / 30 <= 2.5
    with av.open(str(segment)) as container:
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    assert len(samples) / 2 / 48_000 == pytest.approx(2.0, abs=0.2)  # stereo, 48 kHz
    assert np.sqrt(np.mean(np.square(samples))) > 0.05  # the tones, not silence


def colours(picture: np.ndarray) -> tuple[float, float]:
    """The shares of the picture that are the red and the blue publisher."""
    red, green, blue = (picture[..., i].astype(int) for i in range(3))
    return (float(np.mean((red > 180) & (green < 80) & (blue < 80))),
            float(np.mean((blue > 180) & (red < 80) & (green < 80))))


def test_the_composed_picture_shows_both_publishers(run: Run) -> None:
    with av.open(str(run.storage / run.hls.storage_prefix / "3.ts")) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="rgb24")
    reds, blues = colours(picture)
    # Two tiles side by side, each 320x240 scaled to 640x480 (a third of the
    # picture); a tile for the viewer too would have made four smaller ones.
    assert reds == pytest.approx(1 / 3, abs=0.05) and blues == pytest.approx(1 / 3, abs=0.05)


def test_a_layout_change_puts_the_focus_participant_large(run: Run) -> None:
    with av.open(str(run.storage / (run.speaker_snapshot.storage_prefix + ".jpg"))) as jpeg:
        picture = next(jpeg.decode(video=0)).to_ndarray(format="rgb24")
    reds, blues = colours(picture[:HEIGHT * 3 // 4])  # the speaker's part
    assert blues > 0.4 and reds < 0.01, (reds, blues)
    reds, _ = colours(picture[HEIGHT * 3 // 4:])  # Ann in the strip below
    assert reds > 0.05


def test_an_audio_only_recording_holds_sound_only(run: Run) -> None:
    chunks = run.storage / run.audio.storage_prefix / "chunks"
    names = sorted(p.name for p in chunks.iterdir())
    data = b"".join((chunks / name).read_bytes() for name in ["init.mp4", *names[:-1]])
    with av.open(io.BytesIO(data)) as container:
        assert [s.type for s in container.streams] == ["audio"]
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.duration is not None
        assert container.duration / 1e6 == pytest.approx(run.recorded_seconds, rel=0.1)


def test_recording_chunks_concatenate_to_its_duration(run: Run) -> None:
    chunks = run.storage / run.recording.storage_prefix / "chunks"
    names = sorted(p.name for p in chunks.iterdir())
    assert names[-1] == "init.mp4" and len(names) >= 8
    data = b"".join((chunks / name).read_bytes() for name in ["init.mp4", *names[:-1]])
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (WIDTH, HEIGHT)
        assert container.streams.audio
        assert container.duration is not None
        assert container.duration / 1e6 == pytest.approx(run.recorded_seconds, rel=0.1)
        # 30 fps, less the pictures a busy machine skips (timestamps keep the gaps)
        assert sum(1 for _ in container.decode(video=0)) > run.recorded_seconds * 15
    stopped = run.web.wait_state(run.recording.output_id, OutputState.STOPPED)
    assert stopped.details["chunks"] == len(names) - 1
    assert stopped.details["size_bytes"] == len(data)
    assert float(stopped.details["duration_seconds"]) == pytest.approx(
        run.recorded_seconds, rel=0.1)


def test_snapshot_is_a_jpeg_of_the_layout_size(run: Run) -> None:
    stopped = run.web.wait_state(run.snapshot.output_id, OutputState.STOPPED)
    key = run.snapshot.storage_prefix + ".jpg"
    assert stopped.details == {"key": key, "width": WIDTH, "height": HEIGHT}
    with av.open(str(run.storage / key)) as container:
        picture = next(container.decode(video=0))
    assert (picture.width, picture.height) == (WIDTH, HEIGHT)


def test_each_output_reports_starting_live_stopping_stopped(run: Run) -> None:
    for spec in (run.hls, run.recording, run.audio):
        assert run.web.states_of(spec.output_id) == [
            OutputState.STARTING, OutputState.LIVE, OutputState.STOPPING, OutputState.STOPPED]
    assert run.web.states_of(run.snapshot.output_id) == [OutputState.STARTING,
                                                         OutputState.STOPPED]
