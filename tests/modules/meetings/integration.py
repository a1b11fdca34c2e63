"""What the integration-room tests share besides conftest's ``company``."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.modules.tenants.models import Company, Tenant


def tenant_of(info: dict[str, Any]) -> Tenant:
    """The company ``info`` (as made by make_company), read in this session."""
    row = db.session.get(Company, info["id"])
    assert row is not None
    return Tenant.of(row)
