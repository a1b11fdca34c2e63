"""Webhooks: POST /enterprise_api/webhook/<verb>. Deliveries are signed
(docs/events.md); the secret is in webhook/create's answer only."""

from __future__ import annotations

from typing import Any

from app.api.enterprise.endpoint import Call, endpoint
from app.api.enterprise.schemas import ok_schema
from app.api.enterprise.webhook_schemas import (
    delivery_id_schema,
    delivery_page_schema,
    delivery_schema,
    webhook_create_schema,
    webhook_created_schema,
    webhook_deliveries_schema,
    webhook_id_schema,
    webhook_list_schema,
    webhook_page_schema,
)
from app.modules.webhooks import operations

ROLES = "RESELLER_ADMIN (any of its reseller's, and reseller-wide); COMPANY_ADMIN (own company)"


@endpoint("webhook/create", summary="Subscribe a URL to events; the answer has its secret",
          body=webhook_create_schema, response=webhook_created_schema, roles=ROLES)
def create(call: Call) -> Any:
    return operations.create_subscription(call.who, call.data)


@endpoint("webhook/list", summary="Webhooks of a company (or all in scope), paged",
          body=webhook_list_schema, response=webhook_page_schema, roles=ROLES)
def list_(call: Call) -> Any:
    return operations.list_subscriptions(call.who, call.data["company_id"], call.data["page"],
                                         call.data["per_page"])


@endpoint("webhook/delete", summary="Stop a webhook; its pending deliveries are dropped",
          body=webhook_id_schema, response=ok_schema, roles=ROLES)
def delete(call: Call) -> dict[str, bool]:
    operations.delete_subscription(call.who, call.data["webhook_id"])
    return {"ok": True}


@endpoint("webhook/deliveries", summary="A webhook's deliveries, newest first, with attempts",
          body=webhook_deliveries_schema, response=delivery_page_schema, roles=ROLES,
          scope="webhook:read")
def deliveries(call: Call) -> Any:
    return operations.list_deliveries(call.who, call.data["webhook_id"], call.data["page"],
                                      call.data["per_page"])


@endpoint("webhook/redeliver", summary="Send a delivery's event again, as a new delivery",
          body=delivery_id_schema, response=delivery_schema, roles=ROLES)
def redeliver(call: Call) -> Any:
    return operations.redeliver(call.who, call.data["delivery_id"])
