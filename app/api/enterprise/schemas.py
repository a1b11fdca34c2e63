"""The enterprise_api's request and response documents, field for field as
the VivoMeetings document has them (../shared/seeds), plus Confera's own
additions (room rules, branding, meeting defaults). Requests reject unknown
fields; responses dump the domain's records (``Tenant``, ``HostRecord``,
``PersonalRoom``, ``Page``)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from marshmallow import Schema, ValidationError, fields, validate

from app.api.fields import MuteModeField
from app.api.prefixes import BBB_API_PREFIX, ROOMS_API_PREFIX
from app.core.schemas import (
    MAX_ID,
    LowerString,
    StrictBoolean,
    StrictSchema,
    host_name_field,
    id_field,
    normalize_origin,
    subdomain_field,
    validate_origin,
)
from app.environment import is_local_name
from app.extensions import settings
from app.modules.access import HostRole
from app.modules.settings.schemas import MeetingDefaultsSchema
from app.modules.tenants.models import CHECKSUM_ALGORITHMS
from app.modules.tenants.operations import public_url, shared_secret_of

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
ACCESS_CODE_DIGITS = (4, 12)
PIN_DIGITS = (4, 12)
# A room's security PIN is all that keeps out whoever knows the room's
# address: at least a million of them (a shorter one stored before still works).
SECURITY_PIN_DIGITS = (6, 12)


class Digits(fields.Field):
    """A numeric code given as a JSON number or a string of digits; kept as a string."""

    def __init__(self, min_length: int, max_length: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.min_length, self.max_length = min_length, max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError("Must be a number or a string of digits.")
        text = str(value)
        if not text.isascii() or not text.isdigit():
            raise ValidationError("Must contain digits only.")
        if not self.min_length <= len(text) <= self.max_length:
            raise ValidationError(f"Must have {self.min_length} to {self.max_length} digits.")
        return text


class NumberDocument(fields.Field):
    """A code as the VivoMeetings host document shows it: ``{"number": "1234567"}``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else {"number": str(value)}


# --- common ------------------------------------------------------------------

class AuthenticateSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 256))


class AuthTokenSchema(Schema):
    auth_token = fields.String()


class EmptySchema(StrictSchema):
    pass


class OkSchema(Schema):
    ok = fields.Boolean()


class PageRequestSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_ID))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class CreatedIdSchema(Schema):
    id = fields.Integer()


# --- companies ---------------------------------------------------------------

class BrandingSchema(StrictSchema):
    product_name = fields.String(validate=validate.Length(1, 100))
    logo_url = fields.Url(schemes={"https", "http"})
    primary_color = fields.String(validate=validate.Regexp(COLOUR, error="Use #rrggbb."))
    secondary_color = fields.String(validate=validate.Regexp(COLOUR, error="Use #rrggbb."))
    white_label = StrictBoolean()


_company_name = fields.String(validate=validate.Length(1, 200))
_ISSUER_PATH = re.compile(r"(/[A-Za-z0-9._~%!$&'()*+,;=:@-]*)*")


def validate_openid_issuer(value: str) -> None:
    """An OpenID issuer is https://host[:port][/path], nothing more (no user,
    query or fragment: the ID token's iss must equal it). Plain http only
    outside production, on loopback, *.localhost and *.test names."""
    parts = urlsplit(value)
    try:
        normalize_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError as exc:
        raise ValidationError("Use https://host[:port][/path].") from exc
    if "?" in value or "#" in value or not _ISSUER_PATH.fullmatch(parts.path):
        raise ValidationError("Use https://host[:port][/path], with no query or fragment.")
    host = parts.hostname or ""
    if settings().env == "production":
        # The web fetches from it: never one of the deployment's own neighbours.
        if is_local_name(host) or not _global_or_name(host):
            raise ValidationError("The issuer must be a public address.")
    elif parts.scheme.lower() == "http" and is_local_name(host):
        return
    if parts.scheme.lower() != "https":
        raise ValidationError("The issuer must use https.")


def _global_or_name(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return True  # a name (resolved when the web fetches from it)


# A company's OpenID Connect provider (app/web/openid.py); null clears a value.
_openid_issuer = fields.String(allow_none=True,
                               validate=[validate.Length(max=255), validate_openid_issuer])
_openid_client_id = fields.String(allow_none=True, validate=[
    validate.Length(1, 255), validate.Regexp(r"^[\x21-\x7e]+$", error="Printable ASCII only.")])
# Write-only: no answer carries it (encrypted at rest).
_openid_client_secret = fields.String(allow_none=True, load_only=True,
                                      validate=validate.Length(1, 512))
_origins = fields.List(fields.String(validate=validate_origin), validate=validate.Length(max=50))


class CompanyCreateSchema(StrictSchema):
    subdomain = subdomain_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    openid_provider = StrictBoolean(required=True)
    custom_domain = host_name_field(allow_none=True)
    embed_origins = _origins
    branding = fields.Nested(BrandingSchema)
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)
    inherit_reseller_defaults = StrictBoolean()
    openid_issuer = _openid_issuer
    openid_client_id = _openid_client_id
    openid_client_secret = _openid_client_secret
    openid_provision_hosts = StrictBoolean()


class CompanyIdSchema(StrictSchema):
    company_id = id_field(required=True)


class CompanyUpdateSchema(CompanyIdSchema):
    subdomain = subdomain_field()
    name = _company_name
    openid_provider = StrictBoolean()
    custom_domain = host_name_field(allow_none=True)
    embed_origins = _origins
    branding = fields.Nested(BrandingSchema)
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)
    inherit_reseller_defaults = StrictBoolean()
    openid_issuer = _openid_issuer
    openid_client_id = _openid_client_id
    openid_client_secret = _openid_client_secret
    openid_provision_hosts = StrictBoolean()
    # The BBB checksum digests the company accepts; empty: every one.
    checksum_algorithms = fields.List(fields.String(validate=validate.OneOf(CHECKSUM_ALGORITHMS)),
                                      validate=validate.Length(max=len(CHECKSUM_ALGORITHMS)))


class CompanyListSchema(PageRequestSchema):
    pass


class CompanySchema(Schema):
    id = fields.Integer()
    subdomain = fields.String()
    name = fields.String()
    host_name = fields.String()
    custom_domain = fields.String(allow_none=True)
    openid_provider = fields.Boolean()
    openid_issuer = fields.String(allow_none=True)
    openid_client_id = fields.String(allow_none=True)
    openid_provision_hosts = fields.Boolean()
    embed_origins = fields.List(fields.String())
    branding = fields.Nested(BrandingSchema)
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)
    inherit_reseller_defaults = fields.Boolean()
    is_admin_company = fields.Boolean()
    created_at = fields.DateTime()
    rooms_api_url = fields.Function(
        lambda company: public_url(company.host_name, ROOMS_API_PREFIX),
        metadata={"type": "string", "format": "uri",
                  "description": "The rooms API's base URL (an Eyeson client's base URL)"})


class CompanyDetailSchema(CompanySchema):
    """company/get: also what a BBB client needs (the secret is shown again:
    encrypted at rest, made at first use)."""

    bbb_url = fields.Function(
        lambda company: public_url(company.host_name, BBB_API_PREFIX),
        metadata={"type": "string", "format": "uri",
                  "description": "The BBB-compatible API's URL (a BBB client's server URL)"})
    bbb_secret = fields.Function(
        lambda company: shared_secret_of(company).value,
        metadata={"type": "string", "description": "The BBB API's shared secret"})
    checksum_algorithms = fields.Function(
        lambda company: list(shared_secret_of(company).algorithms),
        metadata={"type": "array", "items": {"type": "string", "enum": list(CHECKSUM_ALGORITHMS)},
                  "description": "The BBB checksum digests accepted; empty: all"})


class BbbSecretSchema(Schema):
    bbb_secret = fields.String()


class CompanyPageSchema(Schema):
    companies = fields.List(fields.Nested(CompanySchema), attribute="items")
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


# --- hosts -------------------------------------------------------------------

_email = LowerString(validate=[validate.Email(), validate.Length(max=254)])
_password = fields.String(validate=validate.Length(8, 256))
_subscription_ids = fields.List(fields.Integer(strict=True), validate=validate.Length(max=100))
_openid_sub = fields.String(allow_none=True, validate=validate.Length(1, 255))


class HostCreateSchema(StrictSchema):
    company_id = id_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = LowerString(required=True, validate=[validate.Email(), validate.Length(max=254)])
    password = _password
    no_welcome_email = StrictBoolean(load_default=False)
    role = fields.Enum(HostRole, load_default=HostRole.HOST)
    openid_sub = _openid_sub
    subscription_ids = _subscription_ids
    moderator_pin = Digits(*PIN_DIGITS)
    access_code = Digits(*ACCESS_CODE_DIGITS)


class HostIdSchema(StrictSchema):
    host_id = id_field(required=True)


class HostUpdateSchema(HostIdSchema):
    name = fields.String(validate=validate.Length(1, 200))
    email = _email
    password = _password
    role = fields.Enum(HostRole)
    openid_sub = _openid_sub
    subscription_ids = _subscription_ids
    moderator_pin = Digits(*PIN_DIGITS)
    access_code = Digits(*ACCESS_CODE_DIGITS)
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)


class HostListSchema(PageRequestSchema):
    company_id = id_field()


class HostSchema(Schema):
    """The host document, field for field as the VivoMeetings API returns it."""

    host_id = fields.Integer(attribute="id")
    name = fields.String()
    email = fields.String()
    # No dial-in (PSTN) gateway yet: records have no number, so it is null.
    primary_dialin_number = fields.String(allow_none=True, dump_default=None)
    meeting_url = fields.String()
    role = fields.String()
    openid_sub = fields.String(allow_none=True)
    access_code = NumberDocument()
    moderator_pin = NumberDocument()
    # Only in host/create's answer: the link is made then and never shown again.
    password_creation_link = fields.String(allow_none=True, dump_default=None)
    login_token_public_key = fields.String()
    subscription_ids = fields.List(fields.Integer())
    # Confera's addition: the host's level of the settings cascade.
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)


class HostPageSchema(Schema):
    hosts = fields.List(fields.Nested(HostSchema), attribute="items")
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


# --- rooms (Confera's addition) ---------------------------------------------

class RoomIdSchema(StrictSchema):
    host_id = id_field(required=True)


class RoomUpdateSchema(RoomIdSchema):
    security_pin = Digits(*SECURITY_PIN_DIGITS, allow_none=True)  # null: none
    mute_mode = MuteModeField(allow_none=True)  # null: the company's default


class RoomSchema(Schema):
    """A host's meeting room and its rules; the PIN shown as conference/create shows it."""

    host_id = fields.Integer()
    meeting_url = fields.String()
    security_pin = fields.String(allow_none=True)
    mute_mode = MuteModeField(allow_none=True)


authenticate_schema = AuthenticateSchema()
auth_token_schema = AuthTokenSchema()
empty_schema = EmptySchema()
ok_schema = OkSchema()
created_id_schema = CreatedIdSchema()
company_create_schema = CompanyCreateSchema()
company_id_schema = CompanyIdSchema()
company_update_schema = CompanyUpdateSchema()
company_list_schema = CompanyListSchema()
company_schema = CompanySchema()
company_detail_schema = CompanyDetailSchema()
bbb_secret_schema = BbbSecretSchema()
company_page_schema = CompanyPageSchema()
host_create_schema = HostCreateSchema()
host_id_schema = HostIdSchema()
host_update_schema = HostUpdateSchema()
host_list_schema = HostListSchema()
host_schema = HostSchema()
host_page_schema = HostPageSchema()
room_id_schema = RoomIdSchema()
room_update_schema = RoomUpdateSchema()
room_schema = RoomSchema()
