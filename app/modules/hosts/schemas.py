from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from app.core.schemas import Digits, LowerString, PageSchema, StrictSchema
from app.modules.hosts.models import HostRole

if TYPE_CHECKING:
    from app.modules.hosts.operations import HostRecord

_role = fields.Enum(HostRole)
_email = LowerString(validate=[validate.Email(), validate.Length(max=254)])
_password = fields.String(validate=validate.Length(8, 256))
_subscription_ids = fields.List(fields.Integer(strict=True), validate=validate.Length(max=100))
_openid_sub = fields.String(allow_none=True, validate=validate.Length(1, 255))
ACCESS_CODE_DIGITS = (4, 12)
PIN_DIGITS = (4, 12)


class HostCreateSchema(StrictSchema):
    company_id = fields.Integer(required=True, strict=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = LowerString(required=True, validate=[validate.Email(), validate.Length(max=254)])
    password = _password
    no_welcome_email = fields.Boolean(load_default=False)
    role = fields.Enum(HostRole, load_default=HostRole.HOST)
    openid_sub = _openid_sub
    subscription_ids = _subscription_ids
    moderator_pin = Digits(*PIN_DIGITS)
    access_code = Digits(*ACCESS_CODE_DIGITS)


class HostIdSchema(StrictSchema):
    host_id = fields.Integer(required=True, strict=True)


class HostUpdateSchema(HostIdSchema):
    name = fields.String(validate=validate.Length(1, 200))
    email = _email
    password = _password
    role = _role
    openid_sub = _openid_sub
    subscription_ids = _subscription_ids
    moderator_pin = Digits(*PIN_DIGITS)
    access_code = Digits(*ACCESS_CODE_DIGITS)


class HostListSchema(PageSchema):
    company_id = fields.Integer(strict=True)


class HostSchema(Schema):
    """The host document, field for field as the VivoMeetings API returns it."""

    host_id = fields.Integer()
    name = fields.String()
    email = fields.String()
    primary_dialin_number = fields.String(allow_none=True)
    meeting_url = fields.String()
    role = fields.String()
    openid_sub = fields.String(allow_none=True)
    access_code = Digits(*ACCESS_CODE_DIGITS)
    moderator_pin = Digits(*PIN_DIGITS)
    password_creation_link = fields.String(allow_none=True)
    login_token_public_key = fields.String()
    subscription_ids = fields.List(fields.Integer())


class HostPageSchema(Schema):
    hosts = fields.List(fields.Nested(HostSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class DeletedSchema(Schema):
    deleted = fields.Boolean()


host_create_schema = HostCreateSchema()
host_id_schema = HostIdSchema()
host_update_schema = HostUpdateSchema()
host_list_schema = HostListSchema()
host_schema = HostSchema()
host_page_schema = HostPageSchema()
deleted_schema = DeletedSchema()


def host_fields(host: HostRecord, password_creation_link: str | None = None) -> dict[str, Any]:
    """What ``HostSchema`` renders for ``host`` (the link only when it was just made)."""
    return {
        "host_id": host.id,
        "name": host.name,
        "email": host.email,
        "primary_dialin_number": None,  # no dial-in (PSTN) gateway yet
        "meeting_url": host.meeting_url,
        "role": host.role.value,
        "openid_sub": host.openid_sub,
        "access_code": host.access_code,
        "moderator_pin": host.moderator_pin,
        "password_creation_link": password_creation_link,
        "login_token_public_key": host.login_token_public_key,
        "subscription_ids": list(host.subscription_ids),
    }
