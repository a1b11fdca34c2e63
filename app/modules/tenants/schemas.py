from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import (
    BrandingSchema,
    PageSchema,
    StrictSchema,
    host_name_field,
    subdomain_field,
    validate_origin,
)
from app.modules.settings.schemas import MeetingDefaultsSchema

_name = fields.String(validate=validate.Length(1, 200))
_origins = fields.List(fields.String(validate=validate_origin), validate=validate.Length(max=50))


class CompanyCreateSchema(StrictSchema):
    subdomain = subdomain_field(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    openid_provider = fields.Boolean(required=True)
    custom_domain = host_name_field(allow_none=True)
    embed_origins = _origins
    branding = fields.Nested(BrandingSchema)
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)


class CompanyIdSchema(StrictSchema):
    company_id = fields.Integer(required=True, strict=True)


class CompanyUpdateSchema(CompanyIdSchema):
    subdomain = subdomain_field()
    name = _name
    openid_provider = fields.Boolean()
    custom_domain = host_name_field(allow_none=True)
    embed_origins = _origins
    branding = fields.Nested(BrandingSchema)
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)


class CompanyListSchema(PageSchema):
    pass


class CompanySchema(Schema):
    id = fields.Integer()
    subdomain = fields.String()
    name = fields.String()
    host_name = fields.String()
    custom_domain = fields.String(allow_none=True)
    openid_provider = fields.Boolean()
    embed_origins = fields.List(fields.String())
    branding = fields.Nested(BrandingSchema)
    meeting_defaults = fields.Nested(MeetingDefaultsSchema)
    is_admin_company = fields.Boolean()
    created_at = fields.DateTime()


class CompanyPageSchema(Schema):
    companies = fields.List(fields.Nested(CompanySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class CreatedIdSchema(Schema):
    id = fields.Integer()


company_create_schema = CompanyCreateSchema()
company_id_schema = CompanyIdSchema()
company_update_schema = CompanyUpdateSchema()
company_list_schema = CompanyListSchema()
company_schema = CompanySchema()
company_page_schema = CompanyPageSchema()
created_id_schema = CreatedIdSchema()
