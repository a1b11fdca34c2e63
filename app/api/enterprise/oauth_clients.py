"""A company's OAuth clients (client credentials for the API, POST
/oauth/token). OAuth access tokens cannot manage clients themselves: a
leaked token must not mint credentials that outlive it (``scope=None``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.oauth_schemas import (
    oauth_client_create_schema,
    oauth_client_created_schema,
    oauth_client_id_schema,
    oauth_client_list_schema,
    oauth_client_page_schema,
)
from app.api.enterprise.schemas import ok_schema
from app.modules.oauth import operations

ADMINS = "RESELLER_ADMIN; COMPANY_ADMIN (own company)"


@endpoint("oauth_client/create",
          summary="Create an OAuth client (client credentials); its secret is shown only now",
          body=oauth_client_create_schema, response=oauth_client_created_schema, roles=ADMINS,
          scope=None)
def create(call: Call) -> Any:
    data = call.data
    created = operations.create_client(call.who, data["company_id"], data["name"],
                                       data["scopes"])
    return {**asdict(created.client), "client_secret": created.client_secret}


@endpoint("oauth_client/list", summary="A company's OAuth clients, paged (never their secrets)",
          body=oauth_client_list_schema, response=oauth_client_page_schema, roles=ADMINS,
          scope=None)
def list_(call: Call) -> Any:
    data = call.data
    return operations.list_clients(call.who, data["company_id"], data["page"], data["per_page"])


@endpoint("oauth_client/delete",
          summary="Revoke an OAuth client: it and its access tokens stop working at once",
          body=oauth_client_id_schema, response=ok_schema, roles=ADMINS, scope=None)
def delete(call: Call) -> dict[str, bool]:
    operations.revoke_client(call.who, call.data["client_id"])
    return {"ok": True}
