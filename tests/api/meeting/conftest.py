from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient


@pytest.fixture
def join(client: FlaskClient) -> Callable[..., Any]:
    """join(room, host_name=None, code=None, token=None, **body): POST a join
    for ``room`` (``host``, ``host_name``) to the web."""

    def call(room: dict[str, Any], host_name: str | None = None, code: str | None = None,
             token: str | None = None, **body: Any) -> Any:
        headers = {"Host": host_name or room["host_name"]}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return client.post(f"/api/v1/rooms/{code or room['host']['access_code']}/join",
                           json=body, headers=headers)

    return call
