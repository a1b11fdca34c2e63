from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.schemas import (
    host_create_schema,
    host_id_schema,
    host_list_schema,
    host_page_schema,
    host_schema,
    host_update_schema,
    ok_schema,
)
from app.modules.hosts import operations


@endpoint("host/create", summary="Create a host with a dedicated meeting URL",
          body=host_create_schema, response=host_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company, not RESELLER_ADMIN hosts)")
def create(call: Call) -> Any:
    created = operations.create_host(call.who, call.data)
    # The one answer that shows the link: it is made now and never shown again.
    return {**asdict(created.host), "password_creation_link": created.password_creation_link}


@endpoint("host/get", summary="One host", body=host_id_schema, response=host_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); HOST (itself)")
def get(call: Call) -> Any:
    return operations.get_host(call.who, call.data["host_id"])


@endpoint("host/list", summary="A company's hosts, paged", body=host_list_schema,
          response=host_page_schema, roles="RESELLER_ADMIN; COMPANY_ADMIN (own company)")
def list_(call: Call) -> Any:
    data = call.data
    return operations.list_hosts(call.who, data.get("company_id"), data["page"],
                                 data["per_page"])


@endpoint("host/update", summary="Change a host (only the fields given)",
          body=host_update_schema, response=host_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); nobody raises their own role")
def update(call: Call) -> Any:
    changes = dict(call.data)
    return operations.update_host(call.who, changes.pop("host_id"), changes)


@endpoint("host/delete", summary="Delete a host: its room, email and access code are freed",
          body=host_id_schema, response=ok_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company)")
def delete(call: Call) -> dict[str, bool]:
    operations.delete_host(call.who, call.data["host_id"])
    return {"ok": True}


@endpoint("host/rotate_login_token", summary="Replace the host's login_token_public_key (SSO)",
          body=host_id_schema, response=host_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company)")
def rotate_login_token(call: Call) -> Any:
    return operations.rotate_login_token(call.who, call.data["host_id"])
