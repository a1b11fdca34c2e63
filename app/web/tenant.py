from __future__ import annotations

from flask import has_request_context, request

from app.errors import NotFound
from app.modules.hosts.resolvers import tenant_at
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import branding_for


def page_tenant() -> Tenant:
    tenant = tenant_at(request.host)
    if tenant is None:
        raise NotFound("There is nothing at this address")
    return tenant


def brand_context() -> dict[str, str]:
    """Template variables for the page's branding; neutral where no tenant
    resolves, or outside a request (a mail rendered by a job: conference reminders)."""
    tenant = tenant_at(request.host) if has_request_context() else None
    if tenant is None:
        return {"brand_name": "", "brand_color": "#444444", "brand_logo": ""}
    branding = branding_for(tenant)
    return {"brand_name": branding["product_name"], "brand_color": branding["primary_color"],
            "brand_logo": branding.get("logo_url", "")}
