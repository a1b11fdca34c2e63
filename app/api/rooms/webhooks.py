"""Webhooks: POST /webhooks (``url`` and comma-separated ``types``), GET
/webhooks, DELETE /webhooks[/<id>], with the API key. One webhook per
company, as Eyeson has it: registering replaces the one there was. Its
deliveries go through the one outbox (retries, order, the delivery log) in
the ``eyeson`` format (webhook_format.py), signed with the API key sent
when it was registered."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from app.api.rooms import bp
from app.api.rooms.auth import api_key, require_api_key
from app.api.rooms.documents import timestamp
from app.api.rooms.media_schemas import webhook_schema
from app.api.rooms.params import load_params
from app.api.rooms.webhook_format import FORMAT, event_types
from app.errors import NotFound
from app.extensions import db
from app.modules.webhooks.models import Subscription
from app.modules.webhooks.operations import (
    create_dialect_subscription,
    delete_dialect_subscription,
    dialect_subscriptions,
    last_attempt,
)

NO_WEBHOOK = "No webhook has this id"


@bp.post("/webhooks")
def register_webhook() -> tuple[Response, int]:
    """201 with the webhook; 400 for a bad URL or type."""
    tenant = require_api_key()
    data = load_params(webhook_schema)
    for old in dialect_subscriptions(tenant, FORMAT):
        delete_dialect_subscription(tenant, old)
    key = api_key()
    assert key is not None  # require_api_key proved it
    subscription = create_dialect_subscription(
        tenant, FORMAT, data["url"], event_types(data["types"]), secret=key,
        options={"types": data["types"]})
    document = webhook_document(subscription)
    db.session.commit()
    return jsonify(document), 201


@bp.get("/webhooks")
def get_webhook() -> Response:
    """The company's webhook (``{}`` when none is registered)."""
    tenant = require_api_key()
    found = dialect_subscriptions(tenant, FORMAT)
    return jsonify(webhook_document(found[-1]) if found else {})


@bp.delete("/webhooks")
@bp.delete("/webhooks/<webhook_id>")
def delete_webhook(webhook_id: str | None = None) -> tuple[str, int]:
    """204; 404 for an id that is not the company's webhook."""
    tenant = require_api_key()
    found = [s for s in dialect_subscriptions(tenant, FORMAT)
             if webhook_id is None or s.public_id == webhook_id]
    if webhook_id is not None and not found:
        raise NotFound(NO_WEBHOOK)
    for subscription in found:
        delete_dialect_subscription(tenant, subscription)
    db.session.commit()
    return "", 204


def webhook_document(subscription: Subscription) -> dict[str, Any]:
    attempt = last_attempt(subscription)
    return {
        "id": subscription.public_id,
        "types": list(subscription.options.get("types", [])),
        "url": subscription.url,
        "last_request_sent_at": timestamp(attempt.at) if attempt else None,
        "last_response_code": str(attempt.status_code) if attempt and attempt.status_code
        else None,
    }


