"""A recording made by a real egress into S3 (moto's server on loopback), then
assembled as the web's job assembles it: the MP4 object exists, PyAV reads
its duration within 10 %, and its presigned link downloads it."""

from __future__ import annotations

import io
import pathlib
import time
from collections.abc import Iterator

import av
import httpx
import pytest

from app.modules.recordings.assembly import assemble
from app.protocol.egress_api import OutputKind, OutputState, StopOutput
from app.storage import open_storage
from tests.egress.conftest import EgressProcess, Meeting, output
from tests.egress.fake_web import FakeEgressWeb, command
from tests.s3 import S3Server, running_s3

BUCKET = "confera-egress-test"
SECONDS = 20


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3() as server:
        server.create_bucket(BUCKET)
        yield server


def test_a_20_second_recording_in_s3_assembles_to_its_length(
        tmp_path: pathlib.Path, s3: S3Server, fake_web: FakeEgressWeb,
        meeting: Meeting) -> None:
    url = f"s3://{BUCKET}/media"
    egress = EgressProcess(fake_web, tmp_path, STORAGE_URL=url,
                           S3_ENDPOINT_URL=s3.endpoint_url)
    recording = output(OutputKind.RECORDING)
    try:
        assert meeting.start(egress, recording, width=640, height=360).status_code == 200
        fake_web.wait_state(recording.output_id, OutputState.LIVE, timeout=20)
        time.sleep(SECONDS)
        stop = StopOutput(session_id=meeting.session_id, output_id=recording.output_id)
        assert command(egress.control_url, stop).status_code == 200
        fake_web.wait_state(recording.output_id, OutputState.STOPPED, timeout=30)
    finally:
        egress.stop()

    storage = open_storage(url, s3_endpoint_url=s3.endpoint_url)
    assert storage.list(f"{recording.storage_prefix}/chunks/")  # the egress wrote to S3
    assembled = assemble(storage, recording.storage_prefix, audio_only=False)
    assert assembled is not None and assembled.key.endswith("/recording.mp4")
    # From LIVE (its first chunk stored) to STOPPED: at least SECONDS, at most a
    # chunk or two more (the one in progress when LIVE came, the last one).
    assert SECONDS * 0.9 <= assembled.duration_seconds <= SECONDS * 1.1 + 4
    assert storage.list(f"{recording.storage_prefix}/chunks/") == []

    downloaded = httpx.get(storage.url(assembled.key, expires_in=300), timeout=30)
    assert downloaded.status_code == 200 and len(downloaded.content) == assembled.size_bytes
    with av.open(io.BytesIO(downloaded.content)) as container:
        assert container.duration is not None
        assert container.duration / 1e6 == pytest.approx(assembled.duration_seconds, rel=0.1)
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (640, 360)
