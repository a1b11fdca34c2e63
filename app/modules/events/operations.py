"""Writing the outbox. ``emit`` is called by the operation that causes the
event, in its transaction (flush only): the event and its EVENT_WRITTEN job
exist exactly when the change was committed. Webhooks (app/modules/webhooks)
handle EVENT_WRITTEN; the dialects' callbacks will too (issues E, F)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from app.extensions import db
from app.jobs import enqueue
from app.modules.events.models import Event, EventType
from app.modules.events.schemas import SCHEMAS, iso

__all__ = ["EVENT_WRITTEN", "EventDataError", "emit", "iso"]

EVENT_WRITTEN = "events.written"  # payload {"event_id": int}


class EventDataError(ValueError):
    """``data`` does not fit its type's schema: a bug in the emitting
    operation (a 500 and a failing test), never a client's bad input."""


def emit(company_id: int, reseller_id: int, type: EventType,
         data: Mapping[str, Any]) -> Event:
    try:
        kind = EventType(type)
        SCHEMAS[kind].load(dict(data))
    except (ValueError, ValidationError) as exc:
        raise EventDataError(f"{type}: {exc}") from exc
    event = Event(public_id="evt_" + secrets.token_urlsafe(16), type=kind.value,
                  company_id=company_id, reseller_id=reseller_id, data=dict(data))
    db.session.add(event)
    db.session.flush()
    enqueue(EVENT_WRITTEN, {"event_id": event.id})
    return event
