"""From the chunks an egress stores to a published recording: the assemble
job, partial recordings after a crash, failed ones, the ready mail and the
download link, on the local folder and on S3 (moto's server on loopback)."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import pytest

from app.extensions import db, settings
from app.jobs.models import Job
from app.jobs.worker import Worker
from app.modules.mail.operations import SEND_MAIL
from app.modules.recordings import assembly, operations
from app.modules.recordings.models import Recording, RecordingState
from app.storage import storage_for
from tests.helpers import event_jobs
from tests.modules.recordings.media import (
    boxes,
    chunks,
    duration_of,
    fragmented_mp4,
    store_chunks,
)


def jobs_of(kind: str) -> list[Job]:
    return list(db.session.query(Job).filter_by(kind=kind))


def _download(place, url: str) -> bytes:
    if "/files/" in url and "X-Amz-" not in url:  # the local folder: through the web
        parts = urlsplit(url)
        answer = place.app.test_client().get(parts.path, headers={"Host": parts.hostname})
        assert answer.status_code == 200
        return bytes(answer.data)
    with urllib.request.urlopen(url, timeout=10) as answer:  # a presigned S3 URL
        return bytes(answer.read())


def _record(place, seconds: float, *, audio_only: bool = False,
            keep: int | None = None) -> tuple[int, str, int]:
    """A recording whose egress stored ``seconds`` of media (only the first
    ``keep`` chunks, as a crash would leave them); its id, prefix, chunk count."""
    with place.app.app_context():
        recording = place.begin(audio_only)
        data = fragmented_mp4(seconds, audio_only=audio_only)
        if keep is not None:
            init, parts = chunks(data)
            data = init + b"".join(parts[:keep])
        stored = store_chunks(storage_for(settings()), recording.storage_prefix, data) \
            if keep != -1 else 0
        db.session.commit()
        return recording.id, recording.storage_prefix, stored


def test_a_stopped_recording_is_assembled_published_and_announced(place):
    recording_id, prefix, stored = _record(place, 20.0)
    assert stored >= 9  # one chunk per 2 s key frame interval
    with place.app.app_context():
        operations.recording_stopped(recording_id, {"chunks": stored})
        db.session.commit()
        assert db.session.get(Recording, recording_id).state is RecordingState.PROCESSING

    ran = Worker(place.app).run_until_idle()
    assert ran == 2 + event_jobs(place.app)  # the assembly, then the mail

    with place.app.app_context():
        recording = db.session.get(Recording, recording_id)
        assert recording.state is RecordingState.PUBLISHED and not recording.partial
        assert recording.media_key == f"{prefix}/recording.mp4"
        storage = storage_for(settings())
        assert storage.list(prefix + "/") == [recording.media_key]  # the chunks are gone
        assert recording.size_bytes == storage.size(recording.media_key)
        assert recording.duration_seconds == pytest.approx(20.0, rel=0.1)
        got = operations.get_recording(place.actor(), recording.public_id)
        assert got.download_url and got.expires_at
        media = _download(place, got.download_url)
    assert len(media) == recording.size_bytes
    assert duration_of(media) == pytest.approx(20.0, rel=0.1)
    # A plain MP4 with its index first (faststart), not the fragmented one.
    assert [kind for kind, _ in boxes(media)][:2] == ["ftyp", "moov"]
    assert "moof" not in [kind for kind, _ in boxes(media)]

    (mail,) = place.mails()
    assert place.host["email"] in mail and "Your recording is ready" in mail
    assert "/portal/recordings" in mail


def test_an_audio_only_recording_becomes_an_m4a(place):
    recording_id, prefix, _stored = _record(place, 6.0, audio_only=True)
    with place.app.app_context():
        operations.recording_stopped(recording_id, {})
        db.session.commit()
    Worker(place.app).run_until_idle()
    with place.app.app_context():
        recording = db.session.get(Recording, recording_id)
        assert recording.state is RecordingState.PUBLISHED
        assert recording.media_key == f"{prefix}/recording.m4a"
        assert recording.duration_seconds == pytest.approx(6.0, rel=0.1)


def test_an_interrupted_recording_keeps_the_chunks_stored_before_the_crash(place):
    recording_id, _prefix, stored = _record(place, 20.0, keep=4)  # 8 s of 20 reached storage
    assert stored == 4
    with place.app.app_context():
        operations.recording_interrupted(recording_id, "the egress stopped heart-beating")
        db.session.commit()
    Worker(place.app).run_until_idle()
    with place.app.app_context():
        recording = db.session.get(Recording, recording_id)
        assert recording.state is RecordingState.PUBLISHED and recording.partial
        assert recording.failure_reason == "the egress stopped heart-beating"
        assert recording.duration_seconds == pytest.approx(8.0, rel=0.1)
        listed = operations.list_recordings(place.actor(), {}).items
        assert [(r.recording_id, r.partial) for r in listed] == [(recording.public_id, True)]
    assert "interrupted" in place.mails()[0]


def test_an_interrupted_recording_with_no_chunks_fails_with_its_reason(place):
    recording_id, _prefix, _ = _record(place, 2.0, keep=-1)
    with place.app.app_context():
        operations.recording_interrupted(recording_id, "the egress failed: no picture")
        db.session.commit()
    Worker(place.app).run_until_idle()
    with place.app.app_context():
        recording = db.session.get(Recording, recording_id)
        assert recording.state is RecordingState.FAILED
        assert recording.failure_reason == "the egress failed: no picture"
        assert recording.media_key is None
        assert operations.get_recording(place.actor(), recording.public_id).download_url is None
    assert place.mails() == []


def test_a_repeated_stop_queues_one_assembly_and_a_rerun_is_harmless(place):
    recording_id, _prefix, _ = _record(place, 4.0)
    with place.app.app_context():
        operations.recording_stopped(recording_id, {})
        operations.recording_stopped(recording_id, {})  # the event, delivered twice
        operations.recording_interrupted(recording_id, "late")  # after the stop: nothing
        db.session.commit()
    assert Worker(place.app).run_until_idle() == 2 + event_jobs(place.app)
    with place.app.app_context():
        recording = db.session.get(Recording, recording_id)
        assert not recording.partial and recording.failure_reason == ""
        # A job run again after a crash between storing the file and its commit:
        recording.state = RecordingState.PROCESSING
        db.session.flush()
        operations.assemble_recording(recording_id)
        assert recording.state is RecordingState.PUBLISHED
        assert recording.duration_seconds == pytest.approx(4.0, rel=0.1)
        db.session.rollback()


def test_chunks_are_joined_in_numeric_order_not_by_name(place):
    with place.app.app_context():
        recording = place.begin()
        storage = storage_for(settings())
        init, parts = chunks(fragmented_mp4(6.0))
        storage.put_bytes(f"{recording.storage_prefix}/chunks/init.mp4", init, "video/mp4")
        for number, part in [(2, parts[1]), (1000000, parts[2]), (1, parts[0])]:
            storage.put_bytes(f"{recording.storage_prefix}/chunks/{number:06d}.m4s", part,
                              "video/iso.segment")
        storage.put_bytes(f"{recording.storage_prefix}/chunks/notes.txt", b"?", "text/plain")
        operations.recording_stopped(recording.id, {})
        db.session.commit()
        recording_id = recording.id
    Worker(place.app).run_until_idle()
    with place.app.app_context():
        assert db.session.get(Recording, recording_id).duration_seconds == \
            pytest.approx(6.0, rel=0.1)


def test_two_runs_of_one_assembly_publish_once_and_mail_once(place):
    """A job that outlives its lease runs again beside itself: the second run
    finds the file the first stored and changes nothing."""
    recording_id, _prefix, _ = _record(place, 4.0)
    with place.app.app_context():
        operations.recording_stopped(recording_id, {})
        db.session.commit()
        first = operations.pending_assembly(recording_id)
        second = operations.pending_assembly(recording_id)
        assert first == second is not None
        storage = storage_for(settings())
        operations.assembled(recording_id, assembly.assemble(storage, *first))
        db.session.commit()
        late = assembly.assemble(storage, *second)  # the chunks are gone, the file is there
        assert late is not None and late.chunks == 0
        operations.assembled(recording_id, late)
        db.session.commit()
        assert len(jobs_of(SEND_MAIL)) == 1
        assert db.session.get(Recording, recording_id).state is RecordingState.PUBLISHED
