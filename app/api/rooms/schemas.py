"""What the rooms API takes: Eyeson's parameters, with Eyeson's defaults
(003 where the two documents differ). Values come as strings from a query
string or form, or typed from JSON: booleans and numbers accept both.
Unknown parameters are ignored (``params.load_params``), as Eyeson does."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from app.protocol.signalling import MAX_CHAT_LENGTH

SFU_MODES = ("disabled", "screencast", "ptp")
AUDIO_INSERTS = ("enabled", "disabled", "audio_only")
LOCALES = ("en", "de", "fr")
LAYOUTS = ("auto", "custom")
MESSAGE_TYPES = ("chat", "custom")
MAX_ID = 256
_http = {"http", "https"}
_color = validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Must be a hex RGB color like #121212.")


class LenientSchema(Schema):
    """Unknown parameters are ignored at every level, as Eyeson does (its
    own Python client sends a misspelt ``options[cupythostom_fields]``)."""

    class Meta:
        unknown = EXCLUDE


def _name(max_length: int) -> fields.String:
    return fields.String(required=True, validate=[
        validate.Length(1, max_length),
        validate.Regexp(r"\S", error="Must not be blank.")])


def _url(allow_none: bool = False) -> fields.Url:
    return fields.Url(schemes=_http, validate=validate.Length(max=2000), allow_none=allow_none)


class UserCustomFieldsSchema(LenientSchema):
    locale = fields.String(validate=validate.OneOf(LOCALES))


class UserSchema(LenientSchema):
    id = fields.String(validate=validate.Length(1, MAX_ID))
    name = _name(100)
    avatar = _url(allow_none=True)
    custom_fields = fields.Nested(UserCustomFieldsSchema, load_default=dict)


class CustomFieldsSchema(LenientSchema):
    locale = fields.String(validate=validate.OneOf(LOCALES))
    logo = _url(allow_none=True)
    hide_chat = fields.Boolean()
    virtual_background = fields.Boolean()
    virtual_background_allow_guest = fields.Boolean()
    virtual_background_image = _url(allow_none=True)


class PositionSchema(LenientSchema):
    x = fields.Float(allow_none=True)
    y = fields.Float(allow_none=True)


class OptionsSchema(LenientSchema):
    """``options[...]`` of POST /rooms; what is left out keeps its default
    (``options.DEFAULTS``)."""

    show_names = fields.Boolean()
    show_label = fields.Boolean()
    exit_url = _url(allow_none=True)
    recording_available = fields.Boolean()
    broadcast_available = fields.Boolean()
    reaction_available = fields.Boolean()
    layout_available = fields.Boolean()
    guest_token_available = fields.Boolean()
    lock_available = fields.Boolean()
    kick_available = fields.Boolean()
    suggest_guest_names = fields.Boolean()
    sfu_mode = fields.String(validate=validate.OneOf(SFU_MODES))
    widescreen = fields.Boolean()
    background_color = fields.String(validate=_color)
    audio_insert = fields.String(validate=validate.OneOf(AUDIO_INSERTS))
    audio_insert_position = fields.Nested(PositionSchema)
    layout = fields.String(validate=validate.OneOf(LAYOUTS))
    voice_activation = fields.Boolean()
    custom_fields = fields.Nested(CustomFieldsSchema)


class RoomCreateSchema(LenientSchema):
    id = fields.String(validate=validate.Length(1, MAX_ID))
    name = fields.String(validate=validate.Length(max=200), allow_none=True)
    user = fields.Nested(UserSchema, required=True)
    options = fields.Nested(OptionsSchema, load_default=dict)


class GuestSchema(LenientSchema):
    id = fields.String(validate=validate.Length(1, MAX_ID))
    name = _name(100)
    avatar = _url(allow_none=True)
    custom_fields = fields.Nested(UserCustomFieldsSchema, load_default=dict)


class PageSchema(LenientSchema):
    page = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class MessageSchema(LenientSchema):
    type = fields.String(required=True, validate=validate.OneOf(MESSAGE_TYPES))
    content = fields.String(required=True, validate=validate.Length(1, MAX_CHAT_LENGTH))


room_create_schema = RoomCreateSchema()
guest_schema = GuestSchema()
page_schema = PageSchema()
message_schema = MessageSchema()
