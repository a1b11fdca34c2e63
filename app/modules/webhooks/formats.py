"""How a subscription's deliveries are written: Confera's own format here,
and each dialect's, which the dialect registers (app/api/<dialect>), so that
no wire format lives in the domain while every delivery (Confera webhooks,
BBB hooks and callbacks, Eyeson webhooks) goes through one outbox, one
retry schedule and one delivery log.

A format turns an event into the one HTTP request that delivers it to a
subscription, or into None when that subscription has nothing to receive
for the event (the delivery then counts as delivered, with no attempt)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.modules.events.models import Event
from app.modules.events.schemas import iso
from app.modules.webhooks.delivery import USER_AGENT, body_of, signature
from app.modules.webhooks.models import CONFERA_FORMAT, Subscription


@dataclass(frozen=True)
class Outgoing:
    """One HTTP request of a delivery. ``url`` defaults to the subscription's."""

    body: bytes | None
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    url: str | None = None


Format = Callable[[Event, Subscription], Outgoing | None]
_FORMATS: dict[str, Format] = {}


def register_format(name: str, render: Format) -> None:
    """Make ``name`` a format subscriptions may have (a dialect, at import)."""
    if _FORMATS.get(name, render) is not render:
        raise ValueError(f"webhook format {name!r} is registered twice")
    _FORMATS[name] = render


def render(event: Event, subscription: Subscription) -> Outgoing | None:
    """The request that delivers ``event`` to ``subscription``, with the
    headers every delivery has (the event id as idempotency key, a
    bearer token when the subscription has one)."""
    outgoing = _FORMATS[subscription.format](event, subscription)
    if outgoing is None:
        return None
    headers = {"User-Agent": USER_AGENT, "Idempotency-Key": event.public_id,
               **outgoing.headers}
    if subscription.bearer_token:
        headers["Authorization"] = f"Bearer {subscription.bearer_token}"
    return Outgoing(body=outgoing.body, headers=headers, method=outgoing.method,
                    url=outgoing.url or subscription.url)


def _confera(event: Event, subscription: Subscription) -> Outgoing:
    body = body_of(event.public_id, event.type, iso(event.created_at), event.data)
    return Outgoing(body=body, headers={
        "Content-Type": "application/json",
        "Confera-Signature": signature(subscription.secret, int(time.time()), body)})


register_format(CONFERA_FORMAT, _confera)


def known(name: str) -> bool:
    return name in _FORMATS
