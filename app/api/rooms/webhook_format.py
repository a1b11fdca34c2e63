"""The ``eyeson`` webhook format: an outbox event of a rooms-API room as
Eyeson's webhook (``{"timestamp", "type", <resource>}``), signed with the
company's API key that registered it (HMAC-SHA256 of the body, hex, in
``X-Eyeson-Signature``). Rendered in the worker, from the event's ids and
what is stored when the delivery is sent."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from app.api.rooms.documents import room_summary
from app.api.rooms.media_documents import (
    broadcast_document,
    recording_document,
    snapshot_document,
)
from app.api.rooms.rooms import NAMESPACE
from app.modules.api_keys.operations import key_fits
from app.modules.events.models import Event, EventType
from app.modules.meetings.integration import meeting_of_event
from app.modules.meetings.models import MeetingSession, Room
from app.modules.outputs import integration as outputs
from app.modules.recordings.integration import recordings_by_id
from app.modules.recordings.operations import record_of, with_link
from app.modules.tenants.models import Tenant
from app.modules.webhooks.formats import Outgoing, register_format

FORMAT = "eyeson"
SIGNATURE_HEADER = "X-Eyeson-Signature"
# Eyeson's webhook types and the outbox's events each is sent for.
EVENTS_OF_TYPE: dict[str, tuple[EventType, ...]] = {
    "room_update": (EventType.MEETING_STARTED, EventType.MEETING_ENDED),
    "recording_update": (EventType.RECORDING_READY,),
    "broadcast_update": (EventType.BROADCAST_STARTED, EventType.BROADCAST_STOPPED),
    "snapshot_update": (EventType.SNAPSHOT_CREATED,),
}
TYPE_OF_EVENT = {event: name for name, events in EVENTS_OF_TYPE.items() for event in events}


def event_types(types: list[str]) -> list[str]:
    """The outbox's event types a webhook of Eyeson's ``types`` receives."""
    return sorted({event.value for name in types for event in EVENTS_OF_TYPE[name]})


def render(event: Event, subscription: Any) -> Outgoing | None:
    """The webhook for ``event``; None for another kind of room's event, one
    whose resource is gone, or when the API key it was registered with (its
    signing secret) has been revoked."""
    found = meeting_of_event(event, NAMESPACE)
    name = TYPE_OF_EVENT.get(EventType(event.type))
    if found is None or name is None or not key_fits(found[0], subscription.secret):
        return None  # (a webhook whose API key was revoked since gets nothing)
    resource = _resource(EventType(event.type), event, *found)
    if resource is None:
        return None
    body = json.dumps({"timestamp": int(event.created_at.timestamp()), "type": name,
                       **resource}).encode()
    signature = hmac.new(subscription.secret.encode(), body, hashlib.sha256).hexdigest()
    return Outgoing(body=body, headers={"Content-Type": "application/json",
                                        SIGNATURE_HEADER: signature})


def _resource(type: EventType, event: Event, tenant: Tenant, room: Room,
              session: MeetingSession) -> dict[str, Any] | None:
    if type in (EventType.MEETING_STARTED, EventType.MEETING_ENDED):
        # As it was when the event happened, not as it is when the worker sends it.
        ended = type is EventType.MEETING_ENDED
        return {"room": {**room_summary(room, session), "shutdown": ended,
                         "ready": not ended and session.media_node_id is not None}}
    if type is EventType.RECORDING_READY:
        found = recordings_by_id(tenant, NAMESPACE, [event.data["recording_id"]])
        if not found:
            return None
        record = with_link(record_of(found[0]), found[0], tenant)
        return {"recording": recording_document(tenant, found[0], record)}
    output = outputs.find_output(tenant, event.data["output_id"])
    if output is None:
        return None
    if type is EventType.SNAPSHOT_CREATED:
        return {"snapshot": snapshot_document(tenant, output, session)}
    return {"broadcast": broadcast_document(output, session)}


register_format(FORMAT, render)
