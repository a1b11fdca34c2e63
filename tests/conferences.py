"""What the conference tests share: a tenant with hosts of each role, and
wall-clock times relative to now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.jobs.models import Job
from app.modules.access import HostRole

WALL = "%Y-%m-%d %H:%M:%S"


def wall_in(zone: str = "UTC", **delta: float) -> str:
    """Now + ``delta`` on the clocks of ``zone``, to the minute."""
    instant = (datetime.now(UTC) + timedelta(**delta)).replace(second=0, microsecond=0)
    return instant.astimezone(ZoneInfo(zone)).strftime(WALL)


def make_world(make_reseller: Any, make_company: Any, make_host: Any,
               token_for: Any) -> dict[str, Any]:
    """A reseller with a company (an admin, two hosts) and another reseller's
    company; tokens by role, each with the host name it calls on."""
    reseller = make_reseller(name="Acme Video")
    company = make_company(reseller, subdomain="joe")
    admin = make_host(company, HostRole.COMPANY_ADMIN, email="admin@joe.test")
    host = make_host(company, HostRole.HOST, email="host@joe.test")
    colleague = make_host(company, HostRole.HOST, email="colleague@joe.test")
    other_reseller = make_reseller(name="Other")
    other_company = make_company(other_reseller)
    other_host = make_host(other_company, HostRole.COMPANY_ADMIN)
    return {
        "reseller": reseller, "company": company, "admin": admin, "host": host,
        "colleague": colleague, "other_company": other_company, "other_host": other_host,
        "host_name": company["host_name"],
        "tokens": {
            "RESELLER_ADMIN": (token_for(reseller["admin"]),
                               reseller["admin_company"]["host_name"]),
            "COMPANY_ADMIN": (token_for(admin), company["host_name"]),
            "HOST": (token_for(host), company["host_name"]),
            "COLLEAGUE": (token_for(colleague), company["host_name"]),
            "OTHER": (token_for(other_host), other_company["host_name"]),
        },
    }


def jobs(app: Any, kind: str | None = None) -> list[Job]:
    with app.app_context():
        query = sa.select(Job).order_by(Job.id)
        if kind:
            query = query.where(Job.kind == kind)
        rows = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return list(rows)
