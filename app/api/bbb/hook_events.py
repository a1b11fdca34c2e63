"""The ``bbb-hook`` webhook format: an outbox event as the BBB webhooks
plugin posts it to a hook (hooks.py): a form ``event=[<event JSON>]&timestamp=<ms>``,
the URL signed with ``checksum=sha1(callbackURL + body + shared secret)``,
and Elos's ``Authorization: Bearer <authToken>`` (the subscription's bearer
token, added by webhooks.formats). Ids as BBB gives them: the meetingID
(external-meeting-id), getMeetingInfo's internalMeetingID, a user's userID
from join (or its participant id), a recording's recordID."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from app.api.bbb.deliveries import FORM_TYPE, Meeting, meeting_of, secret_of, with_query
from app.api.bbb.meeting_xml import create_date
from app.api.bbb.responses import epoch_millis
from app.api.bbb.rooms import create_params, stored
from app.extensions import db
from app.modules.events.models import Event, EventType
from app.modules.meetings.models import Participant
from app.modules.meetings.room_options import options_of
from app.modules.recordings.models import Recording, RecordingState
from app.modules.recordings.operations import storage_link
from app.modules.webhooks.formats import Outgoing, register_format
from app.modules.webhooks.models import Subscription
from app.protocol.join_token import Role

FORMAT = "bbb-hook"
# The outbox's types and the BBB event each becomes.
HOOK_EVENTS: dict[str, str] = {
    EventType.MEETING_STARTED: "meeting-created",
    EventType.MEETING_ENDED: "meeting-ended",
    EventType.PARTICIPANT_JOINED: "user-joined",
    EventType.PARTICIPANT_LEFT: "user-left",
    EventType.RECORDING_STARTED: "meeting-recording-started",
    EventType.RECORDING_READY: "rap-publish-ended",
    EventType.RECORDING_DELETED: "rap-deleted",
}


def event_types_for(event_ids: list[str]) -> list[str]:
    """The outbox types a hook that wants ``event_ids`` (all: empty) receives."""
    return sorted(type_ for type_, bbb_id in HOOK_EVENTS.items()
                  if not event_ids or bbb_id in event_ids) or sorted(HOOK_EVENTS)


def render_hook(event: Event, subscription: Subscription) -> Outgoing | None:
    """The POST of ``event`` to a hook; None for an event it does not want
    or of a room that is no BBB meeting."""
    bbb_id = HOOK_EVENTS.get(event.type)
    wanted = subscription.options.get("event_ids") or []
    meeting = meeting_of(event) if bbb_id and (not wanted or bbb_id in wanted) else None
    if meeting is None or bbb_id is None:
        return None
    attributes = {"meeting": _ids(meeting), **_ATTRIBUTES[bbb_id](event, meeting)}
    ts = epoch_millis(event.created_at)
    document = {"data": {"type": "event", "id": bbb_id, "attributes": attributes,
                         "event": {"ts": ts}}}
    body = urlencode({"event": json.dumps([document], separators=(",", ":")),
                      "timestamp": ts})
    checksum = hashlib.sha1(f"{subscription.url}{body}{secret_of(meeting.company)}"
                            .encode()).hexdigest()
    return Outgoing(body=body.encode(), headers={"Content-Type": FORM_TYPE},
                    url=with_query(subscription.url, [("checksum", checksum)]))


def _ids(meeting: Meeting) -> dict[str, Any]:
    return {"internal-meeting-id": meeting.internal_id,
            "external-meeting-id": meeting.meeting_id}


def _meeting_created(event: Event, meeting: Meeting) -> dict[str, Any]:
    room, session = meeting.room, meeting.session
    options, params = options_of(room.options), create_params(room)
    return {"meeting": {
        **_ids(meeting), "name": room.title or meeting.meeting_id,
        "is-breakout": params.get("isBreakout", "false").lower() == "true",
        "parent-id": params.get("parentMeetingID", "bbb-none"),
        "duration": options.duration_minutes, "create-time": epoch_millis(session.started_at),
        "create-date": create_date(session.started_at),
        "moderator-pass": room.moderator_password, "viewer-pass": room.attendee_password,
        "record": options.record, "voice-conf": stored(room, "voiceBridge", ""),
        "dial-number": params.get("dialNumber", ""), "max-users": options.max_participants,
        "metadata": dict(room.meta or {})}}


def _user(event: Event, meeting: Meeting) -> dict[str, Any]:
    participant = db.session.execute(sa.select(Participant).where(
        Participant.public_id == event.data["participant_id"],
        Participant.session_id == meeting.session.id)).scalar()
    external = (participant.external_user_id if participant else None) or \
        event.data["participant_id"]
    user: dict[str, Any] = {"internal-user-id": event.data["participant_id"],
                            "external-user-id": external}
    if event.type == EventType.PARTICIPANT_JOINED:
        user |= {"name": event.data["display_name"],
                 "role": "MODERATOR" if event.data["role"] == Role.MODERATOR.value
                 else "VIEWER",
                 "presenter": "false"}
    return {"user": user}


def _recording(event: Event, meeting: Meeting) -> dict[str, Any]:
    attributes: dict[str, Any] = {"record-id": event.data["recording_id"]}
    if event.type == EventType.RECORDING_DELETED:
        return attributes | {"format": "video"}
    recording = db.session.execute(sa.select(Recording).where(
        Recording.public_id == event.data["recording_id"])).scalar()
    meta = dict(recording.meta) if recording else {}
    return attributes | {"success": True, "step-time": 0, "recording": {
        "name": meeting.room.title or meeting.meeting_id, "is-breakout": False,
        "start-time": epoch_millis(recording.started_at) if recording else None,
        "end-time": epoch_millis(recording.ended_at)
        if recording and recording.ended_at else None,
        "size": event.data.get("size_bytes"), "raw-size": event.data.get("size_bytes"),
        "metadata": meta, "playback": {"format": "video", "link": _link(meeting, recording),
                                       "duration": int(
                                           (event.data.get("duration_seconds") or 0) * 1000)},
        "download": {}}}


def _link(meeting: Meeting, recording: Recording | None) -> str | None:
    """An expiring link to the file, while it is published."""
    if recording is None or recording.state is not RecordingState.PUBLISHED or \
            not recording.media_key:
        return None
    return storage_link(meeting.company, recording.media_key)[0]


def _nothing(event: Event, meeting: Meeting) -> dict[str, Any]:
    return {}


_ATTRIBUTES: dict[str, Callable[[Event, Meeting], dict[str, Any]]] = {
    "meeting-created": _meeting_created, "meeting-ended": _nothing,
    "meeting-recording-started": _nothing, "user-joined": _user, "user-left": _user,
    "rap-publish-ended": _recording, "rap-deleted": _recording,
}

register_format(FORMAT, render_hook)
