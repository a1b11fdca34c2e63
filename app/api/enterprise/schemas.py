"""Request and response shapes that belong to this dialect alone."""

from marshmallow import Schema, fields, validate

from app.core.schemas import StrictSchema


class AuthenticateSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 256))


class AuthTokenSchema(Schema):
    auth_token = fields.String()


class EmptySchema(StrictSchema):
    pass


class OkSchema(Schema):
    ok = fields.Boolean()


authenticate_schema = AuthenticateSchema()
auth_token_schema = AuthTokenSchema()
empty_schema = EmptySchema()
ok_schema = OkSchema()
