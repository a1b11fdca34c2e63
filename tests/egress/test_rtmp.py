"""A broadcast from a real egress (two aiortc publishers, red Ann and blue
Bob, with tones) to a real RTMP server on loopback (tests/rtmp): the stream
arrives and decodes; the ingest dropping it is survived; a refused or
foreign URL fails with a reason that does not give the stream key away."""

from __future__ import annotations

import contextlib
import pathlib
import secrets
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import av
import numpy as np
import pytest

from app.egress.encoder import Encoder
from app.egress.outputs import rtmp
from app.protocol.egress_api import OutputKind, OutputSpec, OutputState, StopOutput
from tests.egress.conftest import EgressProcess, Meeting
from tests.egress.fake_web import FakeEgressWeb, command
from tests.helpers import free_port, wait_until
from tests.rtmp import RtmpServer, rtmp_server

WIDTH, HEIGHT = 640, 360
FRAMES = 60  # read back: two seconds


@pytest.fixture(scope="module")
def server() -> Iterator[RtmpServer]:
    with rtmp_server() as running:
        yield running


@pytest.fixture(scope="module")
def egress(tmp_path_factory: pytest.TempPathFactory,
           fake_web: FakeEgressWeb) -> Iterator[EgressProcess]:
    process = EgressProcess(fake_web, tmp_path_factory.mktemp("storage"))
    yield process
    process.stop()


def broadcast(url: str) -> OutputSpec:
    return OutputSpec(output_id=f"rtmp-{uuid.uuid4().hex[:8]}", kind=OutputKind.RTMP,
                      rtmp_url=url)


def stop(egress: EgressProcess, meeting: Meeting, spec: OutputSpec) -> None:
    answer = command(egress.control_url, StopOutput(session_id=meeting.session_id,
                                                    output_id=spec.output_id))
    assert answer.status_code == 200, answer.text


@dataclass
class Playback:
    """What a player got from the server: PyAV reading the stream back."""

    pictures: list[np.ndarray] = field(default_factory=list)  # RGB
    sizes: set[tuple[int, int]] = field(default_factory=set)
    samples: list[np.ndarray] = field(default_factory=list)
    codecs: set[str] = field(default_factory=set)


def play(url: str, frames: int = FRAMES) -> Playback:
    got = Playback()
    with av.open(url, timeout=10) as container:
        got.codecs = {s.codec_context.name for s in container.streams}
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                got.sizes.add((frame.width, frame.height))
                got.pictures.append(frame.to_ndarray(format="rgb24"))
            else:
                got.samples.append(frame.to_ndarray().reshape(-1))
            if len(got.pictures) >= frames:
                break
    return got


def assert_shows_the_meeting(got: Playback) -> None:
    assert got.codecs == {"h264", "aac"}
    assert got.sizes == {(WIDTH, HEIGHT)}
    picture = got.pictures[-1].astype(int)
    red, green, blue = picture[..., 0], picture[..., 1], picture[..., 2]
    assert np.mean((red > 180) & (green < 80) & (blue < 80)) > 0.05  # Ann
    assert np.mean((blue > 180) & (red < 80) & (green < 80)) > 0.05  # Bob
    samples = np.concatenate(got.samples)
    assert len(samples) / 2 / 48_000 > 1.0  # stereo at 48 kHz, as long as the pictures
    assert np.sqrt(np.mean(np.square(samples))) > 0.05  # the tones, not silence


def test_broadcast_arrives_at_the_rtmp_server_and_decodes(
        server: RtmpServer, egress: EgressProcess, meeting: Meeting,
        fake_web: FakeEgressWeb) -> None:
    path = f"/live/{secrets.token_hex(8)}"
    spec = broadcast(server.url(path))
    answer = meeting.start(egress, spec, width=WIDTH, height=HEIGHT)
    assert answer.status_code == 200, answer.text
    live = fake_web.wait_state(spec.output_id, OutputState.LIVE, timeout=30)
    assert path in server.published

    assert_shows_the_meeting(play(server.url(path)))

    stop(egress, meeting, spec)
    stopped = fake_web.wait_state(spec.output_id, OutputState.STOPPED, timeout=20)
    wait_until(lambda: path in server.unpublished, "the server saw the stream end")
    assert fake_web.states_of(spec.output_id) == [
        OutputState.STARTING, OutputState.LIVE, OutputState.STOPPING, OutputState.STOPPED]
    ingest = f"rtmp://127.0.0.1:{server.port}/live"
    assert live.details["ingest"] == stopped.details["ingest"] == ingest
    assert float(stopped.details["seconds"]) > 2
    assert stopped.details["reconnects"] == 0


def test_broadcast_reconnects_when_the_ingest_drops_it(
        server: RtmpServer, egress: EgressProcess, meeting: Meeting,
        fake_web: FakeEgressWeb) -> None:
    path = f"/live/{secrets.token_hex(8)}"
    spec = broadcast(server.url(path))
    assert meeting.start(egress, spec, width=WIDTH, height=HEIGHT).status_code == 200
    fake_web.wait_state(spec.output_id, OutputState.LIVE, timeout=30)

    server.drop_connections()
    wait_until(lambda: server.published.count(path) == 2, "the egress published again",
               timeout=30)
    assert_shows_the_meeting(play(server.url(path)))

    stop(egress, meeting, spec)
    stopped = fake_web.wait_state(spec.output_id, OutputState.STOPPED, timeout=20)
    assert stopped.details["reconnects"] == 1
    assert fake_web.states_of(spec.output_id)[-1] is OutputState.STOPPED


def test_refused_url_fails_with_the_reason_and_without_the_key(
        egress: EgressProcess, meeting: Meeting, fake_web: FakeEgressWeb) -> None:
    key = secrets.token_hex(8)
    port = free_port()  # nothing listens there
    spec = broadcast(f"rtmp://127.0.0.1:{port}/live/{key}")
    assert meeting.start(egress, spec, width=WIDTH, height=HEIGHT).status_code == 200

    # Three reconnections, 1 + 2 + 4 s apart (each a new child process), then it gives up.
    failed = fake_web.wait_state(spec.output_id, OutputState.FAILED, timeout=60)
    assert f"rtmp://127.0.0.1:{port}/live" in failed.reason
    assert "refused" in failed.reason.lower()
    assert failed.details["reconnects"] == 3
    events = fake_web.events_of(spec.output_id)
    assert all(key not in repr(event) for event in events)
    assert OutputState.LIVE not in fake_web.states_of(spec.output_id)


@pytest.mark.parametrize("url", ["file:///tmp/confera-broadcast.flv", "http://127.0.0.1/live/x",
                                 "rtmp:///live/x", "rtmp://127.0.0.1/x"])
def test_a_url_that_is_no_rtmp_ingest_fails_at_once_and_writes_nothing(
        url: str, egress: EgressProcess, meeting: Meeting, fake_web: FakeEgressWeb) -> None:
    spec = broadcast(url)
    assert meeting.start(egress, spec, width=WIDTH, height=HEIGHT).status_code == 200
    failed = fake_web.wait_state(spec.output_id, OutputState.FAILED, timeout=20)
    assert "broadcast URL" in failed.reason
    assert not pathlib.Path("/tmp/confera-broadcast.flv").exists()


def test_the_stream_key_is_not_in_the_process_list(
        server: RtmpServer, egress: EgressProcess, meeting: Meeting,
        fake_web: FakeEgressWeb) -> None:
    key = secrets.token_hex(8)
    spec = broadcast(server.url(f"/live/{key}"))
    assert meeting.start(egress, spec, width=WIDTH, height=HEIGHT).status_code == 200
    fake_web.wait_state(spec.output_id, OutputState.LIVE, timeout=30)
    command_lines = []
    for path in pathlib.Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):  # a process that ended meanwhile
            command_lines.append(path.read_bytes())
    stop(egress, meeting, spec)
    assert command_lines and all(key.encode() not in line for line in command_lines)
    fake_web.wait_state(spec.output_id, OutputState.STOPPED, timeout=20)


def test_a_silent_ingest_is_given_up_and_never_stalls_the_media_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """In this process, the output fed by the room's encoder as the media thread
    feeds it, publishing to a listener that accepts and never says a word."""
    monkeypatch.setattr(rtmp, "STALL_SECONDS", 2.0)
    monkeypatch.setattr(rtmp, "BACKOFF_SECONDS", 0.1)
    reports: list[tuple[OutputState, str, dict[str, str | int | float]]] = []
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        key = secrets.token_hex(8)
        spec = broadcast(f"rtmp://127.0.0.1:{silent.getsockname()[1]}/live/{key}")
        output = rtmp.RtmpOutput(spec, lambda *report: reports.append(report))
        encoder = Encoder(WIDTH, HEIGHT)
        output.open(encoder.streams)
        slowest, index = 0.0, 0
        while not output.done and index < 30 * 40:
            picture = av.VideoFrame.from_ndarray(
                np.full((HEIGHT, WIDTH, 3), index % 256, np.uint8), format="rgb24")
            started = time.monotonic()
            for packet in encoder.video(picture.reformat(format="yuv420p"), index):
                output.packet(packet, True)
            sound = av.AudioFrame.from_ndarray(np.zeros((2, 1600), np.float32), format="fltp",
                                               layout="stereo")
            sound.sample_rate, sound.pts = 48_000, index * 1600
            for packet in encoder.audio(sound):
                output.packet(packet, False)
            slowest = max(slowest, time.monotonic() - started)
            index += 1
            time.sleep(1 / 30)
        output.finish()
        encoder.close()
    assert [state for state, _, _ in reports] == [OutputState.FAILED], reports
    (_, reason, details) = reports[0]
    assert "did not answer for 2 s" in reason and key not in reason, reason
    assert details["reconnects"] == 3
    # Encoding included, on a loaded machine; a connection waited on here would
    # have taken 2 s or more each time.
    assert slowest < 1.0, slowest


def test_a_broadcast_child_does_not_outlive_a_killed_egress(
        tmp_path: pathlib.Path, fake_web: FakeEgressWeb, meeting: Meeting) -> None:
    """SIGKILL the egress while its broadcast's child waits on an ingest that
    never answers: the child goes with it."""
    egress = EgressProcess(fake_web, tmp_path)
    try:
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            spec = broadcast(f"rtmp://127.0.0.1:{silent.getsockname()[1]}/live/x")
            assert meeting.start(egress, spec, width=WIDTH, height=HEIGHT).status_code == 200
            silent.settimeout(30)
            connection, _ = silent.accept()  # the child is in the RTMP handshake now
            children = _children(egress.proc.pid)
            assert children
            with connection:  # open: the child would wait on it forever
                egress.kill()
                wait_until(lambda: all(_state(pid) in ("Z", "gone") for pid in children),
                           "the child ended with the egress")
    finally:
        egress.stop()


def _children(pid: int) -> list[int]:
    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _state(pid: int) -> str:
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
