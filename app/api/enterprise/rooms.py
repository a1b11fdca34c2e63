"""A host's meeting room: its rules (attendee PIN, mute mode). Confera's
addition to the VivoMeetings API, whose host document stays as documented."""

from __future__ import annotations

from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.modules.hosts.models import Host
from app.modules.hosts.operations import meeting_url
from app.modules.meetings import operations
from app.modules.meetings.models import Room
from app.modules.meetings.schemas import room_id_schema, room_schema, room_update_schema


def _document(host: Host, room: Room | None) -> dict[str, Any]:
    return {"host_id": host.id, "meeting_url": meeting_url(host),
            "security_pin": room.security_pin if room else None,
            "mute_mode": room.mute_mode if room else None}


@endpoint("room/get", summary="A host's meeting room and its rules", body=room_id_schema,
          response=room_schema, roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); HOST (own)")
def get(call: Call) -> dict[str, Any]:
    return _document(*operations.get_room(call.who, call.data["host_id"]))


@endpoint("room/update", summary="Change a host's room rules (only the fields given)",
          body=room_update_schema, response=room_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); HOST (own)")
def update(call: Call) -> dict[str, Any]:
    changes = dict(call.data)
    return _document(*operations.update_room(call.who, changes.pop("host_id"), changes))
