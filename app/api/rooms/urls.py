"""Where the rooms API lives: Eyeson's paths under ``PREFIX`` on a company's
host name, so an Eyeson client changes only its base URL."""

from __future__ import annotations

from app.api.prefixes import ROOMS_API_PREFIX
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_url

PREFIX = ROOMS_API_PREFIX
# links.guest_join: asks a guest's name, then opens the meeting (?guest=<token>)
GUEST_PAGE = PREFIX + "/guest"


def api_url(tenant: Tenant, path: str) -> str:
    """The absolute URL of ``path`` of this API on the company's host name."""
    return company_url(tenant, PREFIX + path)


def base_url(tenant: Tenant) -> str:
    """What an Eyeson client takes as its base URL (``https://api.eyeson.team``)."""
    return api_url(tenant, "")
