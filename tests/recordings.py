"""Recordings for API and page tests: rows as the recordings domain makes
them, with a small media file in the app's storage when published."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.core.db import utcnow
from app.extensions import db, settings
from app.modules.hosts.models import Host
from app.modules.meetings.models import Room
from app.modules.meetings.operations import personal_room, running_session
from app.modules.recordings.models import Recording, RecordingState
from app.modules.recordings.operations import begin_recording
from app.modules.tenants.models import Tenant
from app.storage import storage_for

MEDIA = b"\x00\x00\x00\x18ftypisom" + b"m" * 1000  # what the link serves; not played here


def add_recording(app: Flask, host: dict[str, Any], *,
                  state: RecordingState = RecordingState.PUBLISHED,
                  audio_only: bool = False, room_id: int | None = None) -> str:
    """A recording of ``host``'s personal room (or of the room ``room_id``,
    organized by ``host``); its public id."""
    with app.app_context():
        model = db.session.get_one(Host, host["id"])
        tenant = Tenant.of(model.company)
        room = db.session.get_one(Room, room_id) if room_id else personal_room(tenant, model)
        session = running_session(tenant, room)
        recording = begin_recording(tenant, session, audio_only)
        session.ended_at = utcnow()  # the next one is another session
        if state is not RecordingState.RECORDING:
            recording.ended_at, recording.state = utcnow(), state
        if state in (RecordingState.PUBLISHED, RecordingState.UNPUBLISHED):
            recording.media_key = f"{recording.storage_prefix}/recording." + \
                ("m4a" if audio_only else "mp4")
            storage_for(settings()).put_bytes(recording.media_key, MEDIA, "video/mp4")
            recording.size_bytes, recording.duration_seconds = len(MEDIA), 12.5
        db.session.commit()
        return recording.public_id


def stored_keys(app: Flask, public_id: str) -> list[str]:
    with app.app_context():
        recording = db.session.query(Recording).filter_by(public_id=public_id).one()
        return storage_for(settings()).list(recording.storage_prefix + "/")
