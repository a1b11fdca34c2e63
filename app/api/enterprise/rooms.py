"""A host's meeting room: its rules (attendee PIN, mute mode). Confera's
addition to the VivoMeetings API, whose host document stays as documented."""

from __future__ import annotations

from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.schemas import room_id_schema, room_schema, room_update_schema
from app.modules.meetings import operations


@endpoint("room/get", summary="A host's meeting room and its rules", body=room_id_schema,
          response=room_schema, roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); HOST (own)")
def get(call: Call) -> Any:
    return operations.get_room(call.who, call.data["host_id"])


@endpoint("room/update", summary="Change a host's room rules (only the fields given)",
          body=room_update_schema, response=room_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); HOST (own)")
def update(call: Call) -> Any:
    changes = dict(call.data)
    return operations.update_room(call.who, changes.pop("host_id"), changes)
