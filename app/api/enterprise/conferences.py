"""Scheduled conferences: POST /enterprise_api/conference/<verb>."""

from __future__ import annotations

from typing import Any

from app.api.enterprise.conference_schemas import (
    conference_create_schema,
    conference_id_schema,
    conference_list_schema,
    conference_page_schema,
    conference_schema,
    conference_update_schema,
)
from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.schemas import ok_schema
from app.modules.conferences import operations

ROLES = "RESELLER_ADMIN; COMPANY_ADMIN (own company's hosts); HOST (itself)"


@endpoint("conference/create",
          summary="Schedule a conference: its room, calendar invitations, reminders",
          body=conference_create_schema, response=conference_schema, roles=ROLES)
def create(call: Call) -> Any:
    return operations.create_conference(call.who, call.data)


@endpoint("conference/get", summary="One conference", body=conference_id_schema,
          response=conference_schema, roles=ROLES)
def get(call: Call) -> Any:
    return operations.get_conference(call.who, call.data["conference_id"])


@endpoint("conference/list",
          summary="Conferences of a host (or of the company) in a time range, paged",
          body=conference_list_schema, response=conference_page_schema, roles=ROLES)
def list_(call: Call) -> Any:
    query = dict(call.data)
    query["from"] = query.pop("from_", None)
    return operations.list_conferences(call.who, query)


@endpoint("conference/update",
          summary="Change a conference (only the fields given); everyone invited is told",
          body=conference_update_schema, response=conference_schema, roles=ROLES)
def update(call: Call) -> Any:
    changes = dict(call.data)
    return operations.update_conference(call.who, changes.pop("conference_id"), changes)


@endpoint("conference/cancel",
          summary="Cancel a conference: its room closes, everyone invited is told",
          body=conference_id_schema, response=ok_schema, roles=ROLES)
def cancel(call: Call) -> dict[str, bool]:
    operations.cancel_conference(call.who, call.data["conference_id"])
    return {"ok": True}
