from __future__ import annotations

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.schemas import (
    auth_token_schema,
    authenticate_schema,
    empty_schema,
    ok_schema,
)
from app.api.parsing import settings_limit
from app.modules.hosts import credentials


@endpoint(
    "authenticate", summary="Exchange a host's email and password for an auth_token",
    body=authenticate_schema, response=auth_token_schema, authenticated=False,
    roles="any host of the company whose host name is called",
    rate_limit=settings_limit("ratelimit_authenticate"),
)
def authenticate(call: Call) -> dict[str, str]:
    token = credentials.authenticate(call.tenant, call.data["email"], call.data["password"])
    return {"auth_token": token}


@endpoint("logout", summary="Revoke the auth_token of this call", body=empty_schema,
          response=ok_schema, roles="any")
def logout(call: Call) -> dict[str, bool]:
    assert call.token is not None
    credentials.logout(call.token)
    return {"ok": True}
