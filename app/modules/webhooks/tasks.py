from __future__ import annotations

from typing import Any

from app.jobs import job_handler
from app.modules.events.operations import EVENT_WRITTEN
from app.modules.webhooks import dispatch
from app.modules.webhooks.operations import DRAIN


@job_handler(EVENT_WRITTEN)
def fan_out(payload: dict[str, Any]) -> None:
    dispatch.fan_out(int(payload["event_id"]))


@job_handler(DRAIN)
def drain(payload: dict[str, Any]) -> None:
    dispatch.drain(int(payload["subscription_id"]))
