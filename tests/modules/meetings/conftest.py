from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def company(app, make_reseller, make_company, beat) -> dict[str, Any]:
    """A company with a live (fake) media node to place sessions on."""
    info = make_company(make_reseller())
    beat("node-a")
    return info
