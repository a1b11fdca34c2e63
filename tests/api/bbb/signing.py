"""One way for every BBB test to sign its calls: the checksum as the BBB
reference defines it, computed here with hashlib (not with app code), and
a caller for the Flask test client that reads the XML answer."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.extensions import db
from app.modules.tenants.models import Company, Tenant
from app.modules.tenants.operations import shared_secret_of

Params = Mapping[str, Any] | Sequence[tuple[str, Any]]


def query_of(params: Params) -> str:
    """The query string as a client would send it (urlencode, order kept)."""
    return urlencode(list(params.items()) if isinstance(params, Mapping) else list(params))


def checksum(call: str, query: str, secret: str, algorithm: str = "sha1") -> str:
    return hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()


def signed_query(call: str, params: Params, secret: str, algorithm: str = "sha1") -> str:
    """``params`` as a query string with its checksum appended."""
    query = query_of(params)
    mark = checksum(call, query, secret, algorithm)
    return f"{query}&checksum={mark}" if query else f"checksum={mark}"


def company_secret(app: Flask, company: Mapping[str, Any]) -> str:
    """The company's shared secret (made at first use, committed)."""
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        secret = shared_secret_of(tenant).value
        db.session.commit()
        return secret


@dataclass
class Answer:
    """A BBB answer: HTTP status, the XML root, and its children's tags in order."""

    status: int
    root: ET.Element

    @property
    def tags(self) -> list[str]:
        return [child.tag for child in self.root]

    def text(self, tag: str) -> str | None:
        return self.root.findtext(tag)

    @property
    def returncode(self) -> str | None:
        return self.text("returncode")

    @property
    def message_key(self) -> str | None:
        return self.text("messageKey")


def parse(response: TestResponse) -> Answer:
    assert response.content_type.startswith("text/xml"), response.get_data(as_text=True)
    return Answer(response.status_code, ET.fromstring(response.get_data()))


@dataclass
class BbbCaller:
    """Signed calls to one company's BBB API through the Flask test client."""

    client: FlaskClient
    host_name: str
    secret: str

    def get(self, call: str, params: Params = (), *, algorithm: str = "sha1",
            secret: str | None = None) -> TestResponse:
        query = signed_query(call, params, secret or self.secret, algorithm)
        return self.client.get(f"/bigbluebutton/api/{call}?{query}",
                               headers={"Host": self.host_name})

    def post_form(self, call: str, params: Params = (), *, algorithm: str = "sha1",
                  secret: str | None = None) -> TestResponse:
        """A form-encoded POST, signed over the body as sent."""
        body = signed_query(call, params, secret or self.secret, algorithm)
        return self.client.post(f"/bigbluebutton/api/{call}", data=body,
                                content_type="application/x-www-form-urlencoded",
                                headers={"Host": self.host_name})

    def call(self, call: str, params: Params = (), *, method: str = "GET",
             algorithm: str = "sha1", secret: str | None = None) -> Answer:
        send = self.get if method == "GET" else self.post_form
        return parse(send(call, params, algorithm=algorithm, secret=secret))
