"""The media controls' JSON in Eyeson's shapes: a recording, a snapshot, a
broadcast, a playback; and their part of the room document (``recording``,
``broadcasts``, ``snapshots``, ``playbacks``)."""

from __future__ import annotations

from typing import Any

from app.api.rooms.auth import RoomUser
from app.api.rooms.documents import register_state, room_summary, timestamp, user_details
from app.api.rooms.urls import api_url
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.outputs import composition
from app.modules.outputs import integration as outputs
from app.modules.outputs.models import SessionOutput
from app.modules.recordings.models import Recording
from app.modules.recordings.operations import RecordingRecord
from app.modules.tenants.models import Tenant
from app.protocol.egress_api import PlaybackSpec

PLATFORM = "generic"  # the only broadcast platform: any RTMP ingest


def _user(participant: Participant | None) -> dict[str, Any] | None:
    return user_details(participant) if participant is not None else None


def recording_document(tenant: Tenant, recording: Recording,
                       record: RecordingRecord | None = None) -> dict[str, Any]:
    """GET /recordings/<id>, the room's running recording, recording_update."""
    duration = record.duration_seconds if record else recording.duration_seconds
    return {
        "id": recording.public_id,
        "created_at": int(recording.started_at.timestamp()),
        "duration": round(duration) if duration is not None else None,
        "links": {"self": api_url(tenant, f"/recordings/{recording.public_id}"),
                  "download": record.download_url if record else None},
        "user": _user(outputs.requester(outputs.recording_output(tenant, recording.id))),
        "room": room_summary(recording.room, recording.session),
    }


def snapshot_document(tenant: Tenant, snapshot: SessionOutput,
                      session: MeetingSession) -> dict[str, Any]:
    """GET /snapshots/<id>, the room's snapshots, snapshot_update."""
    created = snapshot.stopped_at or snapshot.started_at
    return {
        "id": snapshot.public_id,
        "name": str(int(created.timestamp())),
        "links": {"self": api_url(tenant, f"/snapshots/{snapshot.public_id}"),
                  "download": outputs.download_link(tenant, outputs.snapshot_key(snapshot))},
        "creator": _user(outputs.requester(snapshot)),
        "created_at": timestamp(created),
        "room": room_summary(session.room, session),
    }


def broadcast_document(broadcast: SessionOutput, session: MeetingSession) -> dict[str, Any]:
    """A broadcast of the room document and of broadcast_update."""
    return {
        "id": broadcast.public_id,
        "platform": PLATFORM,
        "player_url": broadcast.player_url,
        "state": broadcast.state.value,
        "user": _user(outputs.requester(broadcast)),
        "room": room_summary(session.room, session),
    }


def playback_document(playback: PlaybackSpec) -> dict[str, Any]:
    return {"url": playback.url, "play_id": playback.play_id,
            "replacement_id": playback.replacement_id or None, "name": playback.name or None,
            "audio": playback.audio, "loop_count": playback.loop_count}


def media_state(user: RoomUser) -> dict[str, Any]:
    """The room document's media fields for ``user``'s running meeting."""
    tenant, session = user.tenant, user.session
    recording = outputs.running_recording(tenant, session)
    return {
        "recording": recording_document(tenant, recording) if recording else None,
        "broadcasts": [broadcast_document(b, session)
                       for b in outputs.running_broadcasts(tenant, session)],
        "snapshots": [snapshot_document(tenant, s, session)
                      for s in outputs.session_snapshots(tenant, session)],
        "playbacks": [playback_document(p) for p in composition.playbacks(tenant, session)],
    }


register_state(media_state)
