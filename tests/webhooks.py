"""Webhook test tools: a real HTTP receiver on loopback, an independent
signature check (hmac + hashlib, not the app's code), events written as the
outbox writes them, and subscriptions made through the enterprise_api."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.modules.events.models import EventType
from app.modules.events.operations import emit
from app.modules.webhooks import dispatch
from app.modules.webhooks.models import Delivery, Subscription


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next of ``statuses`` (then 200); with
    ``hold_first`` the first request is kept open until ``release`` is set.
    ``received`` lists every request; ``delivered`` each Idempotency-Key
    answered 2xx once (a receiver that dedupes)."""

    statuses: list[int] = field(default_factory=list)
    hold_first: bool = False
    received: list[Received] = field(default_factory=list)
    delivered: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    first_seen: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def answer(self, request: Received) -> int:
        with self.lock:
            self.received.append(request)
            first = len(self.received) == 1
            status = self.statuses.pop(0) if self.statuses else 200
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if first:
            self.first_seen.set()
            if self.hold_first:
                self.release.wait(60)
        with self.lock:
            self.in_flight -= 1
            if 200 <= status < 300:
                key = request.headers.get("Idempotency-Key", "")
                self.delivered[key] = self.delivered.get(key, 0) + 1
        return status

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.delivered) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.delivered)} of {count} events delivered in "
                             f"{timeout} s ({len(self.received)} requests)")


@contextmanager
def running_receiver(bind: str = "127.0.0.1", port: int = 0,
                     **options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.answer(Received(dict(self.headers), body, time.monotonic()))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((bind, port), Handler)
    server.daemon_threads = True
    receiver.url = f"http://{bind}:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


def signature_valid(secret: str, header: str, body: bytes) -> bool:
    """The check a receiver makes, written from docs/events.md alone."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and \
        abs(time.time() - int(parts["t"])) < 300


def create_webhook(client: Any, company: dict[str, Any], token: str, url: str, *,
                   company_id: int | None = None, reseller_wide: bool = False,
                   event_types: list[str] | None = None) -> dict[str, Any]:
    """A webhook of ``company_id`` (default: ``company``'s), or of the whole
    reseller; its answer (id, secret)."""
    company_id = None if reseller_wide else company_id or company["id"]
    response = client.post("/enterprise_api/webhook/create",
                           headers={"Host": company["host_name"]},
                           json={"auth_token": token, "company_id": company_id, "url": url,
                                 "event_types": event_types or []})
    assert response.status_code == 200, response.json
    return dict(response.json)


def emit_host_event(app: Flask, company: dict[str, Any], n: int = 1,
                    type_: EventType = EventType.HOST_CREATED) -> str:
    """An event of ``company`` written and committed as an operation would."""
    with app.app_context():
        event = emit(company["id"], company["reseller_id"], type_,
                     {"host_id": n, "email": f"host{n}@example.test", "role": "HOST"})
        db.session.commit()
        return event.public_id


def add_delivery(app: Flask, client: Any, reseller: dict[str, Any], company: dict[str, Any],
                 token: str) -> tuple[str, str]:
    """A company webhook and one delivery of an event to it (never sent):
    their public ids."""
    webhook = create_webhook(client, reseller["admin_company"], token,
                             "https://receiver.example.test/hook", company_id=company["id"])
    with app.app_context():
        event = emit(company["id"], company["reseller_id"], EventType.HOST_CREATED,
                     {"host_id": 1, "email": "h@example.test", "role": "HOST"})
        dispatch.fan_out(event.id)
        subscription_id = db.session.execute(sa.select(Subscription.id).where(
            Subscription.public_id == webhook["id"])).scalar_one()
        delivery = db.session.execute(sa.select(Delivery.public_id).where(
            Delivery.subscription_id == subscription_id)).scalar_one()
        db.session.commit()
        return webhook["id"], delivery
