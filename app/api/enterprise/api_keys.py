"""API keys: POST /enterprise_api/apikey/<verb>. A key is what an Eyeson
client sends to the rooms API (docs/rooms-api.md); it is in apikey/create's
answer only (stored as its SHA-256)."""

from __future__ import annotations

from typing import Any

from app.api.enterprise.api_key_schemas import (
    api_key_create_schema,
    api_key_created_schema,
    api_key_id_schema,
    api_key_list_answer_schema,
    api_key_list_schema,
)
from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.schemas import ok_schema
from app.modules.api_keys import operations

ROLES = "RESELLER_ADMIN (any of its reseller's companies); COMPANY_ADMIN (own company)"


@endpoint("apikey/create", summary="A new API key of a company for the rooms API; "
          "the answer has the key, the only time", body=api_key_create_schema,
          response=api_key_created_schema, roles=ROLES)
def create(call: Call) -> Any:
    return operations.create_api_key(call.who, call.data["company_id"], call.data["name"])


@endpoint("apikey/list", summary="A company's API keys (without the keys)",
          body=api_key_list_schema, response=api_key_list_answer_schema, roles=ROLES)
def list_(call: Call) -> Any:
    return {"api_keys": operations.list_api_keys(call.who, call.data["company_id"])}


@endpoint("apikey/revoke", summary="The key stops working at once",
          body=api_key_id_schema, response=ok_schema, roles=ROLES)
def revoke(call: Call) -> dict[str, bool]:
    operations.revoke_api_key(call.who, call.data["api_key_id"])
    return {"ok": True}
