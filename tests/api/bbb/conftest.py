from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.bbb.signing import BbbCaller, company_secret


@pytest.fixture
def bbb_company(make_reseller: Callable[..., dict[str, Any]],
                make_company: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_company(make_reseller())


@pytest.fixture
def bbb(app: Flask, client: FlaskClient, bbb_company: dict[str, Any]) -> BbbCaller:
    """Signed calls to ``bbb_company``'s BBB API."""
    return BbbCaller(client, bbb_company["host_name"], company_secret(app, bbb_company))
