"""hooks/create, hooks/list, hooks/destroy: the BBB webhooks plugin's API
(bigbluebutton/bbb-webhooks; its answers, keys and messages), signed like
every call (the call name is ``hooks/create`` ...). A hook is a webhook
subscription of the company in the ``bbb-hook`` format (hook_events.py):
one outbox, one retry schedule and one delivery log with Confera's own
webhooks. Its hookID is the subscription's row id. Elos's ``authToken``:
given (or made up) at creation, answered, and sent with every delivery as
``Authorization: Bearer``."""

from __future__ import annotations

import secrets

from flask import Response

from app.api.bbb.calls import BbbCall, bbb_call
from app.api.bbb.errors import BbbError
from app.api.bbb.hook_events import FORMAT, event_types_for
from app.api.bbb.responses import Field, success
from app.api.bbb.rooms import NAMESPACE
from app.errors import ValidationFailed
from app.extensions import db
from app.modules.meetings.integration import integration_room
from app.modules.meetings.models import Room
from app.modules.webhooks.models import Subscription
from app.modules.webhooks.operations import (
    create_dialect_subscription,
    delete_dialect_subscription,
    dialect_subscriptions,
)

CREATE_FAILED = ("createHookError",
                 "An error happened while creating your hook. Check the logs.")


@bbb_call("hooks/create")
def create_hook(call: BbbCall) -> Response:
    """A hook for every BBB meeting of the company, or for ``meetingID``'s
    only; with ``eventID`` (comma-separated) only those events."""
    url = call.params.get("callbackURL")
    if url is None:
        raise BbbError("missingParamCallbackURL",
                       "You must specify a callbackURL in the parameters.")
    existing = [hook for hook in dialect_subscriptions(call.tenant, FORMAT) if hook.url == url]
    if existing:
        return success([("hookID", existing[0].id), ("messageKey", "duplicateWarning"),
                        ("message", "There is already a hook for this callback URL.")])
    # As the plugin: lower case; names of events Confera never sends match nothing.
    event_ids = [name.strip() for name in call.params.get("eventID", "").lower().split(",")
                 if name.strip()]
    raw = call.params.get("getRaw", "false").lower() == "true"
    token = call.params.get("authToken") or secrets.token_urlsafe(24)
    try:
        hook = create_dialect_subscription(
            call.tenant, FORMAT, url, event_types_for(event_ids),
            room_id=_room_id(call), bearer_token=token,
            options={"event_ids": event_ids, "get_raw": raw})
    except ValidationFailed as exc:  # a URL the webhook guard refuses
        raise BbbError(*CREATE_FAILED) from exc
    return success([("hookID", hook.id), ("permanentHook", False), ("rawData", raw),
                    ("authToken", token)])


@bbb_call("hooks/list")
def list_hooks(call: BbbCall) -> Response:
    """Every hook; with ``meetingID``, those that get its events (the
    global ones and its own)."""
    hooks = dialect_subscriptions(call.tenant, FORMAT)
    meeting_id = call.params.get("meetingID")
    rooms = _rooms({hook.room_id for hook in hooks if hook.room_id})
    if meeting_id is not None:
        hooks = [hook for hook in hooks
                 if hook.room_id is None or rooms[hook.room_id].external_id == meeting_id]
    return success([("hooks", [("hook", _hook_fields(hook, rooms)) for hook in hooks])])


@bbb_call("hooks/destroy")
def destroy_hook(call: BbbCall) -> Response:
    hook_id = call.params.get("hookID")
    if hook_id is None:
        raise BbbError("missingParamHookID", "You must specify a hookID in the parameters.")
    found = [hook for hook in dialect_subscriptions(call.tenant, FORMAT)
             if str(hook.id) == hook_id.strip()]
    if not found:
        raise BbbError("destroyMissingHook", "The hook informed was not found.")
    delete_dialect_subscription(call.tenant, found[0])
    return success([("removed", True)])


def _room_id(call: BbbCall) -> int | None:
    """The room of ``meetingID``, made now if the meeting was never created
    (a hook may come before the meeting: its create will find the room)."""
    meeting_id = call.params.get("meetingID")
    if meeting_id is None:
        return None
    room, _ = integration_room(call.tenant, NAMESPACE, meeting_id)
    return room.id


def _rooms(ids: set[int]) -> dict[int, Room]:
    return {room_id: db.session.get_one(Room, room_id) for room_id in ids}


def _hook_fields(hook: Subscription, rooms: dict[int, Room]) -> list[Field]:
    fields: list[Field] = [("hookID", hook.id), ("callbackURL", hook.url)]
    if hook.room_id is not None:
        fields.append(("meetingID", rooms[hook.room_id].external_id))
    if hook.options.get("event_ids"):
        fields.append(("eventID", ",".join(hook.options["event_ids"])))
    return [*fields, ("permanentHook", False), ("rawData", bool(hook.options.get("get_raw")))]
