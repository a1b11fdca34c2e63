"""Recordings: POST /enterprise_api/recording/<verb>."""

from __future__ import annotations

from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.recording_schemas import (
    recording_id_schema,
    recording_list_schema,
    recording_page_schema,
    recording_schema,
)
from app.api.enterprise.schemas import ok_schema
from app.modules.recordings import operations

ROLES = "RESELLER_ADMIN; COMPANY_ADMIN (own company's); HOST (its own rooms')"


@endpoint("recording/list",
          summary="Recordings of a company, a host or a conference, newest first, paged",
          body=recording_list_schema, response=recording_page_schema, roles=ROLES)
def list_(call: Call) -> Any:
    return operations.list_recordings(call.who, call.data)


@endpoint("recording/get", summary="One recording, with an expiring download link",
          body=recording_id_schema, response=recording_schema, roles=ROLES)
def get(call: Call) -> Any:
    return operations.get_recording(call.who, call.data["recording_id"])


@endpoint("recording/delete", summary="Delete a recording and its files",
          body=recording_id_schema, response=ok_schema, roles=ROLES)
def delete(call: Call) -> dict[str, bool]:
    operations.delete_recording(call.who, call.data["recording_id"])
    return {"ok": True}
