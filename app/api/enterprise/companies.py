from __future__ import annotations

from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.schemas import (
    bbb_secret_schema,
    company_create_schema,
    company_detail_schema,
    company_id_schema,
    company_list_schema,
    company_page_schema,
    company_update_schema,
    created_id_schema,
    ok_schema,
)
from app.modules.tenants import operations


@endpoint("company/create", summary="Create a company on its own subdomain",
          body=company_create_schema, response=created_id_schema, roles="RESELLER_ADMIN")
def create(call: Call) -> Any:
    return operations.create_company(call.who, call.data)


@endpoint("company/get", summary="One company, with its BBB API's URL and shared secret",
          body=company_id_schema, response=company_detail_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company)")
def get(call: Call) -> Any:
    return operations.get_company(call.who, call.data["company_id"])


@endpoint("company/list", summary="The reseller's active companies, paged",
          body=company_list_schema, response=company_page_schema, roles="RESELLER_ADMIN")
def list_(call: Call) -> Any:
    return operations.list_companies(call.who, call.data["page"], call.data["per_page"])


@endpoint("company/update", summary="Change a company (only the fields given)",
          body=company_update_schema, response=company_detail_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company: name, embed_origins, "
                "branding, meeting_defaults, checksum_algorithms)")
def update(call: Call) -> Any:
    changes = dict(call.data)
    return operations.update_company(call.who, changes.pop("company_id"), changes)


@endpoint("company/delete", summary="Deactivate a company: its host names stop resolving",
          body=company_id_schema, response=ok_schema, roles="RESELLER_ADMIN")
def delete(call: Call) -> dict[str, bool]:
    operations.deactivate_company(call.who, call.data["company_id"])
    return {"ok": True}


@endpoint("company/rotate_bbb_secret",
          summary="Replace the company's BBB shared secret: the old one stops signing at once",
          body=company_id_schema, response=bbb_secret_schema,
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company)")
def rotate_bbb_secret(call: Call) -> dict[str, str]:
    return {"bbb_secret": operations.rotate_shared_secret(call.who, call.data["company_id"])}
