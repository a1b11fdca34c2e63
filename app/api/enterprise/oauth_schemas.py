"""Requests and answers of oauth_client/*: a company's OAuth clients. The
secret is a field of create's answer only."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.enterprise.schemas import PageRequestSchema
from app.core.schemas import StrictSchema, id_field
from app.modules.oauth.models import SCOPES


class OAuthClientCreateSchema(StrictSchema):
    company_id = id_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    scopes = fields.List(fields.String(validate=validate.OneOf(SCOPES)), required=True,
                         validate=validate.Length(1, len(SCOPES)))


class OAuthClientListSchema(PageRequestSchema):
    company_id = id_field(required=True)


class OAuthClientIdSchema(StrictSchema):
    client_id = fields.String(required=True, validate=validate.Length(1, 64))


class OAuthClientSchema(Schema):
    client_id = fields.String()
    name = fields.String()
    company_id = fields.Integer()
    scopes = fields.List(fields.String())
    created_by_id = fields.Integer()
    created_at = fields.DateTime()


class OAuthClientCreatedSchema(OAuthClientSchema):
    client_secret = fields.String()  # shown this once; only its SHA-256 is kept


class OAuthClientPageSchema(Schema):
    oauth_clients = fields.List(fields.Nested(OAuthClientSchema), attribute="items")
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


oauth_client_create_schema = OAuthClientCreateSchema()
oauth_client_list_schema = OAuthClientListSchema()
oauth_client_id_schema = OAuthClientIdSchema()
oauth_client_created_schema = OAuthClientCreatedSchema()
oauth_client_page_schema = OAuthClientPageSchema()
