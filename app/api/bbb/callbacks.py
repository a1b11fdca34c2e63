"""The callbacks a create asks for with its meta_ parameters, each a webhook
subscription of the room in a format of its own (one outbox, one retry
schedule, one delivery log with the hooks):

- ``meta_endCallbackUrl``: a GET when the meeting ends, with ``meetingID``
  (unless the URL has it) and ``recordingmarks=true|false``;
- ``meta_bbb-recording-ready-url``: a POST ``signed_parameters=<JWT HS256>``
  ({meeting_id, record_id}, signed with the company's shared secret) when a
  recording of the meeting is ready;
- ``meta_analytics-callback-url`` (Elos): a POST of the meeting's engagement
  JSON (analytics.py) when it ends, with ``Authorization: Bearer <JWT HS512>``.

create calls ``subscribe_callbacks`` for the room it sets up: an unchanged
URL keeps its subscription (and its pending deliveries); a new one replaces
it; a URL no longer given ends it."""

from __future__ import annotations

import json
import warnings
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import sqlalchemy as sa
from jwt.warnings import InsecureKeyLengthWarning

from app.api.bbb.analytics import engagement
from app.api.bbb.deliveries import FORM_TYPE, meeting_of, secret_of, with_query
from app.api.bbb.errors import BbbError
from app.api.bbb.rooms import create_params
from app.core.db import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.modules.events.models import Event, EventType
from app.modules.meetings.models import Room
from app.modules.meetings.room_options import options_of
from app.modules.recordings.models import Recording
from app.modules.tenants.models import Tenant
from app.modules.webhooks.formats import Outgoing, register_format
from app.modules.webhooks.models import Subscription
from app.modules.webhooks.operations import (
    create_dialect_subscription,
    delete_dialect_subscription,
    dialect_subscriptions,
)

END = "bbb-end-callback"
RECORDING_READY = "bbb-recording-ready"
ANALYTICS = "bbb-analytics"
# Each callback: its format, the meta_ name that asks for it (lower case, as
# create keeps meta), and the outbox event that sends it.
CALLBACKS = ((END, "endcallbackurl", EventType.MEETING_ENDED),
             (RECORDING_READY, "bbb-recording-ready-url", EventType.RECORDING_READY),
             (ANALYTICS, "analytics-callback-url", EventType.MEETING_ENDED))
ANALYTICS_TOKEN_LIFE = timedelta(days=1)


def subscribe_callbacks(company: Tenant, room: Room) -> None:
    """Make the room's callback subscriptions what its meta asks for (see
    the module's docstring). A URL the webhook guard refuses is a
    validationError: the create fails rather than lose its callback."""
    for format, name, event_type in CALLBACKS:
        url = _wanted_url(room, name)
        kept = False
        for subscription in dialect_subscriptions(company, format, room_id=room.id):
            if subscription.url == url and not kept:
                kept = True
            else:
                delete_dialect_subscription(company, subscription)
        if url and not kept:
            try:
                create_dialect_subscription(company, format, url, [event_type], room_id=room.id)
            except ValidationFailed as exc:
                raise BbbError("validationError", f"meta_{name}: {exc.message}") from exc


def _wanted_url(room: Room, name: str) -> str | None:
    url = (room.meta or {}).get(name)
    if url is None and name == "endcallbackurl":  # create's own endCallbackUrl (BBB 2.7)
        url = create_params(room).get("endCallbackUrl")
    return url or None


def render_end(event: Event, subscription: Subscription) -> Outgoing | None:
    meeting = meeting_of(event)
    if meeting is None or event.type != EventType.MEETING_ENDED:
        return None
    pairs = [] if "meetingID" in parse_qs(urlsplit(subscription.url).query) else \
        [("meetingID", meeting.meeting_id)]
    recorded = options_of(meeting.room.options).record and db.session.execute(
        sa.select(sa.exists().where(Recording.session_id == meeting.session.id))).scalar()
    pairs.append(("recordingmarks", "true" if recorded else "false"))
    return Outgoing(body=None, method="GET", url=with_query(subscription.url, pairs))


def render_recording_ready(event: Event, subscription: Subscription) -> Outgoing | None:
    meeting = meeting_of(event)
    if meeting is None or event.type != EventType.RECORDING_READY:
        return None
    token = _signed({"meeting_id": meeting.meeting_id, "record_id": event.data["recording_id"]},
                    secret_of(meeting.company), "HS256")
    return Outgoing(body=urlencode({"signed_parameters": token}).encode(),
                    headers={"Content-Type": FORM_TYPE})


def render_analytics(event: Event, subscription: Subscription) -> Outgoing | None:
    meeting = meeting_of(event)
    if meeting is None or event.type != EventType.MEETING_ENDED:
        return None
    token = _signed({"exp": utcnow() + ANALYTICS_TOKEN_LIFE}, secret_of(meeting.company),
                    "HS512")
    return Outgoing(body=json.dumps(engagement(meeting)).encode(),
                    headers={"Content-Type": "application/json",
                             "Authorization": f"Bearer {token}"})


def _signed(claims: dict[str, Any], secret: str, algorithm: str) -> str:
    """A JWT of ``claims`` signed with the shared secret. The protocol signs
    with that secret whatever its length (BBB's are 40 characters), shorter
    than PyJWT recommends for HS512: its warning would only fill the log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(claims, secret, algorithm=algorithm)


register_format(END, render_end)
register_format(RECORDING_READY, render_recording_ready)
register_format(ANALYTICS, render_analytics)
