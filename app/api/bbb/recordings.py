"""getRecordings, publishRecordings, deleteRecordings, updateRecordings: the
recordings of the company's BBB meetings (app/modules/recordings/integration.py).
A recordID is a recording's public id; its internalMeetingID the session's
(as getMeetingInfo gives it); its one playback format is ``video``, the MP4's
expiring download link, shown while it is published."""

from __future__ import annotations

from flask import Response, request

from app.api.bbb.calls import BbbCall, bbb_call
from app.api.bbb.errors import BbbError, missing_param
from app.api.bbb.responses import Field, epoch_millis, success
from app.api.bbb.rooms import NAMESPACE, internal_meeting_id
from app.api.bbb.schemas import prefixed
from app.errors import Conflict
from app.modules.recordings.integration import (
    LISTED_STATES,
    IntegrationRecording,
    RecordingQuery,
    delete_recordings,
    find_recordings,
    publish_recordings,
    recordings_by_id,
    update_recording_meta,
)
from app.modules.recordings.models import READY_STATES, Recording, RecordingState

# BBB's states and Confera's: "processed" (made, not yet published) never
# lasts here: an assembled recording is published at once.
_STATES: dict[str, frozenset[RecordingState]] = {
    "processing": frozenset({RecordingState.RECORDING, RecordingState.PROCESSING}),
    "processed": frozenset(),
    "published": frozenset({RecordingState.PUBLISHED}),
    "unpublished": frozenset({RecordingState.UNPUBLISHED}),
    "deleted": frozenset({RecordingState.DELETED}),
    "any": LISTED_STATES,
}
STATE_NAMES = {RecordingState.RECORDING: "processing", RecordingState.PROCESSING: "processing",
               RecordingState.PUBLISHED: "published", RecordingState.UNPUBLISHED: "unpublished",
               RecordingState.DELETED: "deleted"}


@bbb_call("getRecordings")
def get_recordings(call: BbbCall) -> Response:
    """The recordings of the given meetings or recordIDs (prefixes too), in
    the given states (default published and unpublished), with the given meta."""
    query = RecordingQuery(
        external_ids=_list(call.params.get("meetingID")),
        id_prefixes=_list(call.params.get("recordID")),
        states=_states(call.params.get("state")),
        meta={name.lower(): value for name, value in prefixed(call.params, "meta_").items()})
    found = find_recordings(call.tenant, NAMESPACE, query)
    if not found:
        return success([("recordings", None), ("messageKey", "noRecordings"),
                        ("message", "There are no recordings for the meeting(s).")])
    return success([("recordings", [("recording", recording_fields(r)) for r in found])])


@bbb_call("publishRecordings")
def publish(call: BbbCall) -> Response:
    recordings = _named_recordings(call)
    if "publish" not in call.params:
        raise missing_param("publish")
    published = call.params["publish"].lower() == "true"
    publish_recordings(call.tenant, recordings, published)
    return success([("published", published)])


@bbb_call("deleteRecordings")
def delete(call: BbbCall) -> Response:
    recordings = _named_recordings(call)
    try:
        delete_recordings(call.tenant, recordings)
    except Conflict as exc:
        raise BbbError("deleteError", exc.message) from exc
    return success([("deleted", True)])


@bbb_call("updateRecordings")
def update(call: BbbCall) -> Response:
    """meta_<name>=<value> sets a metadata value; meta_<name>= (empty) removes it."""
    recordings = _named_recordings(call)
    # Empty values count here (they remove), so read them from the request itself.
    changes = {name[len("meta_"):].lower(): value
               for name, value in [*request.args.items(), *request.form.items()]
               if name.startswith("meta_") and len(name) > len("meta_")}
    update_recording_meta(call.tenant, recordings, changes)
    return success([("updated", True)])


def recording_fields(found: IntegrationRecording) -> list[Field]:
    """One <recording>, in the reference's order."""
    record = found.record
    internal_id = internal_meeting_id(found.external_id, epoch_millis(found.session_started_at))
    minutes = round((record.duration_seconds or 0) / 60)
    metadata = {**found.meta, "isBreakout": "false",
                "meetingName": found.title or found.external_id,
                "meetingId": found.external_id}
    formats: list[Field] = []
    if record.download_url:
        formats.append(("format", [("type", "video"), ("url", record.download_url),
                                   ("processingTime", 0), ("length", minutes)]))
    return [
        ("recordID", record.recording_id), ("meetingID", found.external_id),
        ("internalMeetingID", internal_id), ("name", found.title or found.external_id),
        ("isBreakout", False), ("published", record.state is RecordingState.PUBLISHED),
        ("state", STATE_NAMES[record.state]), ("startTime", record.started_at),
        ("endTime", record.ended_at or record.started_at), ("participants", found.participants),
        ("metadata", metadata), ("playback", formats),
    ]


def _named_recordings(call: BbbCall) -> list[Recording]:
    """The recordings named by recordID (a comma-separated list): notFound
    when none of them is the company's."""
    ids = _list(call.params.get("recordID"))
    if not ids:
        raise missing_param("recordID")
    recordings = recordings_by_id(call.tenant, NAMESPACE, ids)
    if not recordings:
        raise BbbError("notFound", "We could not find recordings")
    return recordings


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _states(value: str | None) -> frozenset[RecordingState]:
    names = _list(value.lower() if value else None)
    if not names:
        return frozenset(READY_STATES)
    return frozenset().union(*(_STATES.get(name, frozenset()) for name in names))
