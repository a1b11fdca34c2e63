"""Requests and answers of apikey/*: a company's API keys for the rooms API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import StrictSchema, id_field


class ApiKeyCreateSchema(StrictSchema):
    company_id = id_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 100),
                         metadata={"description": "What the key is for (shown in apikey/list)"})


class ApiKeyListSchema(StrictSchema):
    company_id = id_field(required=True)


class ApiKeyIdSchema(StrictSchema):
    api_key_id = fields.String(required=True, validate=validate.Length(1, 40))


class ApiKeySchema(Schema):
    id = fields.String()
    company_id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()


class ApiKeyCreatedSchema(ApiKeySchema):
    api_key = fields.String(metadata={
        "description": "The rooms API's Authorization header value; shown only now"})


class ApiKeyListAnswerSchema(Schema):
    api_keys = fields.List(fields.Nested(ApiKeySchema))


api_key_create_schema = ApiKeyCreateSchema()
api_key_list_schema = ApiKeyListSchema()
api_key_id_schema = ApiKeyIdSchema()
api_key_created_schema = ApiKeyCreatedSchema()
api_key_list_answer_schema = ApiKeyListAnswerSchema()
