from __future__ import annotations

from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.schemas import ok_schema
from app.modules.hosts import operations
from app.modules.hosts.models import Host
from app.modules.hosts.schemas import (
    host_create_schema,
    host_fields,
    host_id_schema,
    host_list_schema,
    host_page_schema,
    host_schema,
    host_update_schema,
)


def _document(host: Host) -> dict[str, Any]:
    return host_fields(operations.host_record(host))


@endpoint("host/create", summary="Create a host with a dedicated meeting URL",
          body=host_create_schema, response=host_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company, not RESELLER_ADMIN hosts)")
def create(call: Call) -> dict[str, Any]:
    created = operations.create_host(call.who, call.data)
    return host_fields(operations.host_record(created.host), created.password_creation_link)


@endpoint("host/get", summary="One host", body=host_id_schema, response=host_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); HOST (itself)")
def get(call: Call) -> dict[str, Any]:
    return host_fields(operations.get_host(call.who, call.data["host_id"]))


@endpoint("host/list", summary="A company's hosts, paged", body=host_list_schema,
          response=host_page_schema, roles="RESELLER_ADMIN; COMPANY_ADMIN (own company)")
def list_(call: Call) -> dict[str, Any]:
    data = call.data
    page = operations.list_hosts(call.who, data.get("company_id"), data["page"], data["per_page"])
    return {"hosts": [_document(h) for h in page.items], "page": page.page,
            "per_page": page.per_page, "total": page.total}


@endpoint("host/update", summary="Change a host (only the fields given)",
          body=host_update_schema, response=host_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); nobody raises their own role")
def update(call: Call) -> dict[str, Any]:
    changes = dict(call.data)
    return _document(operations.update_host(call.who, changes.pop("host_id"), changes))


@endpoint("host/delete", summary="Delete a host: its room, email and access code are freed",
          body=host_id_schema, response=ok_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company)")
def delete(call: Call) -> dict[str, bool]:
    operations.delete_host(call.who, call.data["host_id"])
    return {"ok": True}


@endpoint("host/rotate_login_token", summary="Replace the host's login_token_public_key (SSO)",
          body=host_id_schema, response=host_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company)")
def rotate_login_token(call: Call) -> dict[str, Any]:
    return _document(operations.rotate_login_token(call.who, call.data["host_id"]))
