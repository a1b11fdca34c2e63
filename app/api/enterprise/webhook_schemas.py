"""Requests and answers of webhook/*: subscriptions and their delivery log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.enterprise.schemas import PageRequestSchema
from app.core.schemas import StrictSchema, id_field
from app.modules.events.models import EventType
from app.modules.webhooks.url_guard import MAX_URL

EVENT_TYPES = [kind.value for kind in EventType]
_public_id = fields.String(required=True, validate=validate.Length(1, 40))


class WebhookCreateSchema(StrictSchema):
    company_id = id_field(allow_none=True, load_default=None, metadata={
        "description": "None: every company of the reseller (RESELLER_ADMIN only)"})
    url = fields.String(required=True, validate=validate.Length(1, MAX_URL), metadata={
        "format": "uri", "description": "http(s), no credentials or fragment, a public address"})
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)), load_default=list,
        validate=validate.Length(max=len(EVENT_TYPES)),
        metadata={"description": "Empty: every type"})


class WebhookListSchema(PageRequestSchema):
    company_id = id_field(allow_none=True, load_default=None)


class WebhookIdSchema(StrictSchema):
    webhook_id = _public_id


class WebhookDeliveriesSchema(PageRequestSchema):
    webhook_id = _public_id


class DeliveryIdSchema(StrictSchema):
    delivery_id = _public_id


class WebhookSchema(Schema):
    id = fields.String()
    company_id = fields.Integer(allow_none=True)
    url = fields.String()
    event_types = fields.List(fields.String())
    created_at = fields.DateTime()
    disabled_at = fields.DateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True)
    consecutive_failures = fields.Integer()


class WebhookCreatedSchema(Schema):
    id = fields.String()
    secret = fields.String(metadata={"description": "Signs every delivery; shown only now"})


class WebhookPageSchema(Schema):
    webhooks = fields.List(fields.Nested(WebhookSchema), attribute="items")
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class AttemptSchema(Schema):
    at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Integer()
    error = fields.String(allow_none=True)
    response = fields.String(allow_none=True, metadata={"description": "Its first 1 KB"})


class DeliverySchema(Schema):
    id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    state = fields.String(metadata={"enum": ["pending", "delivering", "delivered", "dead"]})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    log = fields.List(fields.Nested(AttemptSchema))


class DeliveryPageSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliverySchema), attribute="items")
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


webhook_create_schema = WebhookCreateSchema()
webhook_list_schema = WebhookListSchema()
webhook_id_schema = WebhookIdSchema()
webhook_deliveries_schema = WebhookDeliveriesSchema()
delivery_id_schema = DeliveryIdSchema()
webhook_created_schema = WebhookCreatedSchema()
webhook_page_schema = WebhookPageSchema()
delivery_schema = DeliverySchema()
delivery_page_schema = DeliveryPageSchema()
