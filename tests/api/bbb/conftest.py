from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.modules.tenants.models import Company, Tenant
from app.modules.tenants.operations import create_reseller, shared_secret_of
from tests.api.bbb.signing import BbbCaller


def bare_company(app: Flask) -> tuple[dict[str, Any], str]:
    """A company of a new reseller, with no host (BBB calls need none: a
    host's password hash would cost each test more than its calls), and its
    shared secret."""
    with app.app_context():
        admin = create_reseller("Reseller", f"r{uuid.uuid4().hex[:8]}.localhost")
        company = Company(reseller_id=admin.reseller_id, subdomain="school", name="School",
                          openid_provider=False, embed_origins=[], branding={})
        db.session.add(company)
        db.session.flush()
        info = {"id": company.id, "host_name": company.host_name,
                "reseller_id": company.reseller_id}
        secret = shared_secret_of(Tenant.of(company)).value
        db.session.commit()
        return info, secret


@pytest.fixture
def bbb_company_and_secret(app: Flask) -> tuple[dict[str, Any], str]:
    return bare_company(app)


@pytest.fixture
def bbb_company(bbb_company_and_secret: tuple[dict[str, Any], str]) -> dict[str, Any]:
    return bbb_company_and_secret[0]


@pytest.fixture
def bbb(client: FlaskClient, bbb_company_and_secret: tuple[dict[str, Any], str]) -> BbbCaller:
    """Signed calls to ``bbb_company``'s BBB API."""
    company, secret = bbb_company_and_secret
    return BbbCaller(client, company["host_name"], secret)


@pytest.fixture
def other_bbb(app: Flask, client: FlaskClient) -> BbbCaller:
    """Signed calls to another reseller's company."""
    company, secret = bare_company(app)
    return BbbCaller(client, company["host_name"], secret)
