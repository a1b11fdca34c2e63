from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.modules.access import Actor, Caller
from app.modules.hosts.models import Host
from app.modules.meetings.operations import personal_room, running_session
from app.modules.recordings.models import Recording
from app.modules.recordings.operations import begin_recording
from app.modules.tenants.models import Company, Tenant
from tests.s3 import S3Server, running_s3


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    with running_s3() as server:
        yield server


@dataclass
class Place:
    """A worker app on its own storage and outbox, and a host with a running session."""

    app: Flask
    outbox: Path
    company: dict[str, Any]
    host: dict[str, Any]

    def begin(self, audio_only: bool = False) -> Recording:
        tenant = self.tenant()
        host = db.session.get_one(Host, self.host["id"])
        session = running_session(tenant, personal_room(tenant, host))
        return begin_recording(tenant, session, audio_only)

    def tenant(self) -> Tenant:
        return Tenant.of(db.session.get_one(Company, self.company["id"]))

    def actor(self, host: dict[str, Any] | None = None) -> Actor:
        host = host or self.host
        return Actor(Caller(host["id"], host["company_id"], self.company["reseller_id"],
                            host["role"]), self.tenant())

    def mails(self) -> list[str]:
        """Each mail of the outbox: its headers and plain-text body, decoded."""
        found = []
        for path in sorted(self.outbox.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            found.append(f"To: {message['To']}\nSubject: {message['Subject']}\n\n"
                         f"{body.get_content() if body else ''}")
        return found


@pytest.fixture(params=["local", "s3"])
def place(request, app_with: Callable[..., Flask], make_reseller, make_company, make_host,
          tmp_path: Path) -> Place:
    """The same recording flow on the local folder and on S3 (moto on loopback)."""
    changes: dict[str, Any] = {"instance_path": str(tmp_path)}
    if request.param == "s3":
        server = request.getfixturevalue("s3")
        bucket = f"rec{uuid.uuid4().hex[:10]}"
        server.create_bucket(bucket)
        changes.update(storage_url=f"s3://{bucket}/confera", s3_endpoint_url=server.endpoint_url)
    company = make_company(make_reseller())
    return Place(app_with(**changes), tmp_path / "outbox", company, make_host(company))
