"""The caller's own reseller: its branding, mail sender name and meeting
defaults (the settings cascade's reseller level, docs/settings.md). Which of
its companies inherit the defaults is each company's ``inherit_reseller_defaults``
(company/update)."""

from __future__ import annotations

from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.reseller_schemas import reseller_schema, reseller_update_schema
from app.api.enterprise.schemas import empty_schema
from app.modules.tenants import operations


@endpoint("reseller/get", summary="The caller's reseller and its defaults",
          body=empty_schema, response=reseller_schema, roles="RESELLER_ADMIN")
def get(call: Call) -> Any:
    return operations.get_reseller(call.who)


@endpoint("reseller/update",
          summary="Change the reseller's branding, mail sender name or meeting defaults "
                  "(only the fields given; each replaced as a whole)",
          body=reseller_update_schema, response=reseller_schema, roles="RESELLER_ADMIN")
def update(call: Call) -> Any:
    return operations.update_reseller(call.who, dict(call.data))
