"""The rooms API's fixtures: a company with an API key, and a caller that
sends parameters the way Eyeson's clients do (query, form or JSON)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.modules.api_keys.operations import new_key
from app.modules.media_nodes.models import MediaNode
from tests.modules.events.fake_node import accepting_node

BASE = "/api/rooms/v1"


@pytest.fixture
def make_api_key(app: Flask) -> Callable[[dict[str, Any]], str]:
    """make_api_key(company) -> a live API key of that company."""

    def make(company: dict[str, Any]) -> str:
        with app.app_context():
            key, _ = new_key(company["id"], "test")
            db.session.commit()
            return key

    return make


@pytest.fixture
def team(make_reseller, make_company, make_api_key, beat) -> dict[str, Any]:
    """A company with an API key, and a live (fake) media node to place on."""
    company = make_company(make_reseller())
    beat("node-rooms")
    return {**company, "api_key": make_api_key(company)}


@pytest.fixture(scope="module")
def accepting_control_url(settings: Any) -> Iterator[str]:
    with accepting_node(settings.media_node_secret) as url:
        yield url


@pytest.fixture
def node_accepts(app: Flask, team: dict[str, Any], accepting_control_url: str) -> None:
    """The media nodes' control API accepts every command (a loopback stand-in:
    what a real node does with them, test_media.py shows)."""
    with app.app_context():
        db.session.execute(sa.update(MediaNode).values(control_url=accepting_control_url))
        db.session.commit()


@pytest.fixture
def rooms_api(client: FlaskClient) -> Callable[..., Any]:
    """rooms_api(method, path, team, key=..., as_="json"|"form"|"query", **params)."""

    def call(method: str, path: str, team: dict[str, Any], key: str | None = "team",
             as_: str = "json", **params: Any) -> Any:
        headers = {"Host": team["host_name"]}
        if key is not None:
            headers["Authorization"] = team["api_key"] if key == "team" else key
        kwargs: dict[str, Any] = {"headers": headers}
        if as_ == "json":
            kwargs["json"] = params
        elif as_ == "form":
            kwargs["data"] = params
        else:
            kwargs["query_string"] = params
        return client.open(BASE + path, method=method, **kwargs)

    return call
