"""livestream/get: where viewers watch a host's room live
(``https://<company host>/livestream/<access_code>``) and whether it is live now."""

from __future__ import annotations

from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.livestream_schemas import livestream_request_schema, livestream_schema
from app.modules.outputs.livestream import host_live_stream


@endpoint("livestream/get", summary="The player URL of a host's room and its live state",
          body=livestream_request_schema, response=livestream_schema, scope="room:read",
          roles="RESELLER_ADMIN; COMPANY_ADMIN (own company); HOST (own)")
def get(call: Call) -> Any:
    return host_live_stream(call.who, call.data["host_id"])
