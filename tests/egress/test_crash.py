"""An egress killed in the middle of a recording keeps every chunk it stored."""

from __future__ import annotations

import io
import pathlib
import time

import av
import pytest

from app.protocol.egress_api import OutputKind, OutputState
from tests.egress.conftest import EgressProcess, Meeting, output
from tests.egress.fake_web import FakeEgressWeb


def test_sigkill_keeps_the_chunks_written_so_far(tmp_path: pathlib.Path,
                                                 fake_web: FakeEgressWeb,
                                                 meeting: Meeting) -> None:
    egress = EgressProcess(fake_web, tmp_path)
    recording = output(OutputKind.RECORDING)
    try:
        assert meeting.start(egress, recording, width=640, height=360).status_code == 200
        time.sleep(10)
    finally:
        egress.kill()
    assert OutputState.STOPPED not in fake_web.states_of(recording.output_id)
    chunks = tmp_path / recording.storage_prefix / "chunks"
    # A write cut short by the kill is a hidden temp file; storage lists none.
    names = sorted(p.name for p in chunks.iterdir() if not p.name.startswith("."))
    assert names[-1] == "init.mp4"
    assert len(names) - 1 >= 3  # ~2 s each: the fragment in progress is lost, no more
    data = b"".join((chunks / name).read_bytes() for name in ["init.mp4", *names[:-1]])
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(video=0))
        assert (frames[0].width, frames[0].height) == (640, 360)
        assert container.duration is not None
        assert container.duration / 1e6 == pytest.approx(2 * (len(names) - 1), abs=1.0)


def test_sigterm_finishes_every_output_and_tells_the_web(tmp_path: pathlib.Path,
                                                         fake_web: FakeEgressWeb,
                                                         meeting: Meeting) -> None:
    egress = EgressProcess(fake_web, tmp_path)
    hls, recording = output(OutputKind.HLS), output(OutputKind.RECORDING)
    try:
        assert meeting.start(egress, hls, recording, width=640, height=360).status_code == 200
        fake_web.wait_state(recording.output_id, OutputState.LIVE, timeout=15)
    finally:
        egress.stop()  # SIGTERM
    assert egress.proc.returncode == 0
    for spec in (hls, recording):
        assert fake_web.states_of(spec.output_id)[-1] is OutputState.STOPPED
    playlist = (tmp_path / hls.storage_prefix / "live.m3u8").read_text()
    assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
    assert fake_web.wait_heartbeat_where(
        lambda h: h.egress_id == f"egress-{egress.port}" and h.draining)
