from __future__ import annotations

from typing import Any

from app.jobs import batch_job_handler
from app.modules.events.operations import EVENT_WRITTEN
from app.modules.webhooks import dispatch
from app.modules.webhooks.operations import DRAIN


@batch_job_handler(EVENT_WRITTEN)
def fan_out(payloads: list[dict[str, Any]]) -> None:
    dispatch.fan_out_many([int(p["event_id"]) for p in payloads])


@batch_job_handler(DRAIN)
def drain(payloads: list[dict[str, Any]]) -> None:
    """Each subscription once, however many of its drain jobs came due together."""
    for subscription_id in dict.fromkeys(int(p["subscription_id"]) for p in payloads):
        dispatch.drain(subscription_id)
