"""Requests and responses of reseller/get and reseller/update (Confera's
addition: the reseller's level of the settings cascade)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.enterprise.schemas import BrandingSchema
from app.core.schemas import StrictSchema
from app.modules.settings.schemas import MeetingDefaultsSchema

# A display name in a From header: no control characters (no header injection).
_SENDER_NAME = validate.Regexp(r"^[^\x00-\x1f\x7f]+$", error="No control characters.")


class ResellerUpdateSchema(StrictSchema):
    """Only the fields given change; name and domain are the operator's."""

    branding = fields.Nested(BrandingSchema)
    mail_sender_name = fields.String(allow_none=True,  # null: the reseller's name
                                     validate=[validate.Length(1, 100), _SENDER_NAME])
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)


class ResellerSchema(Schema):
    name = fields.String()
    domain = fields.String()
    branding = fields.Nested(BrandingSchema)
    mail_sender_name = fields.String(allow_none=True)
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)


reseller_update_schema = ResellerUpdateSchema()
reseller_schema = ResellerSchema()
