"""The demo reseller that `make run` (`confera demo`) makes and prints: how
to reach each API and page of it. Imports the web stack only when called
(app/cli.py imports this module at start)."""

from __future__ import annotations

from typing import Any

DEMO = {
    "name": "Confera Demo", "domain": "confera.localhost",
    "admin_email": "admin@confera.localhost", "admin_password": "confera-demo",
}


def banner(info: dict[str, Any]) -> str:
    """What `confera demo` prints for the demo reseller ``info`` (as
    create-reseller answers it), in an app context."""
    from app.extensions import settings as current_settings

    settings = current_settings()
    sso = sso_link(info["admin_host_name"], info["admin_host_id"])
    rooms_api, rooms_key = rooms_api_access(info["admin_host_name"])
    bbb_url, bbb_secret = bbb_api_access(info["admin_host_name"])
    outbox = settings.outbox_path if not settings.smtp_url else "(SMTP_URL is set)"
    return DEMO_BANNER.format(api=info["api_url"].rstrip("/"), outbox=outbox,
                              room=info["admin_meeting_url"], sso=sso, rooms_api=rooms_api,
                              rooms_key=rooms_key, bbb_url=bbb_url, bbb_secret=bbb_secret,
                              **DEMO)


def rooms_api_access(host_name: str) -> tuple[str, str]:
    """The demo company's rooms API base URL and an API key of it: the same
    key at every start (derived from SECRET_KEY; only its digest is stored)."""
    import hashlib
    import hmac

    from app.api.prefixes import ROOMS_API_PREFIX
    from app.extensions import db
    from app.extensions import settings as current_settings
    from app.modules.api_keys.operations import KEY_PREFIX, ensure_key
    from app.modules.hosts.resolvers import tenant_at
    from app.modules.tenants.operations import company_url

    tenant = tenant_at(host_name)
    if tenant is None:
        return "(no demo company)", ""
    secret = current_settings().secret_key.encode()
    key = KEY_PREFIX + "demo_" + hmac.new(secret, b"demo rooms API key",
                                           hashlib.sha256).hexdigest()[:32]
    ensure_key(tenant.id, "demo (confera demo)", key)
    db.session.commit()
    return company_url(tenant, ROOMS_API_PREFIX), key


def bbb_api_access(host_name: str) -> tuple[str, str]:
    """The demo company's BBB API URL and shared secret (made at first use)."""
    from app.api.prefixes import BBB_API_PREFIX
    from app.extensions import db
    from app.modules.hosts.resolvers import tenant_at
    from app.modules.tenants.operations import company_url, shared_secret_of

    tenant = tenant_at(host_name)
    if tenant is None:
        return "(no demo company)", ""
    secret = shared_secret_of(tenant).value
    db.session.commit()
    return company_url(tenant, BBB_API_PREFIX), secret


def sso_link(host_name: str, host_id: int | None) -> str:
    """A one-click SSO link (/auth) that signs the host in to its portal."""
    from urllib.parse import urlencode

    from app.modules.hosts.resolvers import host_record, tenant_at
    from app.modules.tenants.operations import company_url

    tenant = tenant_at(host_name)
    host = host_record(host_id) if host_id else None
    if tenant is None or host is None:
        return "(no demo host)"
    query = urlencode({"host_id": host.id, "login_token_public_key": host.login_token_public_key})
    return company_url(tenant, f"/auth?{query}")


DEMO_BANNER = """
Confera is starting.

  Enterprise API       {api}/
  API docs (OpenAPI)   {api}/docs/
  Reseller admin       {admin_email} / {admin_password}
  Dev mail outbox      {outbox}
  Meeting room         {room}  (open it in two tabs)
  Host portal (SSO)    {sso}
  Rooms API (Eyeson)   {rooms_api}  (Authorization: {rooms_key})
  BBB API              {bbb_url}  (secret: {bbb_secret})

Create a company and a host (paste into a shell):

  API={api}; \\
  TOKEN=$(curl -s $API/authenticate -H 'Content-Type: application/json' \\
    -d '{{"email": "{admin_email}", "password": "{admin_password}"}}' \\
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["auth_token"])'); \\
  COMPANY=$(curl -s $API/company/create -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: application/json' \\
    -d '{{"subdomain": "joe", "name": "The Joe Company", "openid_provider": true}}' \\
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'); \\
  curl -s $API/host/create -H "Authorization: Bearer $TOKEN" \\
    -H 'Content-Type: application/json' \\
    -d '{{"company_id": '$COMPANY', "name": "John Host", "email": "john@company.tld", "role": "HOST"}}'
"""  # noqa: E501
