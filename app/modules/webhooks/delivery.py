"""One HTTP attempt at a delivery: the signed body, the POST, what came back.
No database here: operations.py records the outcome."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from app.errors import ValidationFailed
from app.modules.webhooks.url_guard import check_url, pinned

TIMEOUT_SECONDS = 10.0
RESPONSE_KEPT = 1024  # the log keeps the first 1 KB of an answer
USER_AGENT = "Confera-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str | None
    response: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(event_id: str, type_: str, created_at: str, data: dict[str, Any]) -> bytes:
    """The JSON every delivery POSTs (the same bytes the signature covers)."""
    document = {"id": event_id, "type": type_, "created_at": created_at, "data": data}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``Confera-Signature``: ``t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@functools.cache
def _client() -> httpx.Client:
    """One client per process, kept: building one loads the CA bundle (about
    40 ms, bench/webhooks.py: 21 deliveries/s with a client per delivery),
    and it keeps connections to a receiver open between deliveries. No
    redirects: a 3xx to an internal address would undo the guard."""
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)


def send(method: str, url: str, body: bytes | None, headers: dict[str, str],
         allow_private: bool) -> Outcome:
    """Make one request of a delivery (formats.Outgoing); never raises for
    the receiver's faults."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        address = check_url(url, allow_private)  # again: the name may resolve elsewhere by now
    except ValidationFailed as exc:
        return Outcome(None, elapsed(), f"refused: {exc.message}"[:500], None)
    extensions: dict[str, Any] = {}
    if address is not None:  # connect to the address just checked, not to a new lookup's
        target = pinned(url, address)
        url, headers = target.url, {**headers, "Host": target.host}
        extensions["sni_hostname"] = target.server_name
    try:
        answer = _client().request(method, url, content=body, headers=headers,
                                   extensions=extensions)
    except httpx.HTTPError as exc:
        return Outcome(None, elapsed(), f"{type(exc).__name__}: {exc}"[:500], None)
    text = answer.content[:RESPONSE_KEPT].decode("utf-8", "replace")
    error = None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"
    return Outcome(answer.status_code, elapsed(), error, text)
