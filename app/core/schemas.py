"""Marshmallow building blocks shared by every module's schemas."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from marshmallow import RAISE, Schema, ValidationError, fields, validate

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class StrictSchema(Schema):
    """Unknown fields are an error: a typo must not be silently ignored."""

    class Meta:
        unknown = RAISE


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

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else {"number": str(value)}


class LowerString(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


def subdomain_field(**kwargs: Any) -> fields.Field:
    return LowerString(validate=validate.Regexp(DNS_LABEL, error="Not a valid DNS label."),
                       **kwargs)


def host_name_field(**kwargs: Any) -> fields.Field:
    return LowerString(validate=validate.Regexp(HOST_NAME, error="Not a valid host name."),
                       **kwargs)


def validate_origin(value: str) -> None:
    """An origin is scheme://host[:port] with nothing after it."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"Not an http(s) origin: {value!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValidationError(f"An origin has no path, query or credentials: {value!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ValidationError(f"Bad port in {value!r}") from exc


def normalize_origin(value: str) -> str:
    parts = urlsplit(value.strip())
    return f"{parts.scheme}://{parts.netloc.lower()}"


class BrandingSchema(StrictSchema):
    product_name = fields.String(validate=validate.Length(1, 100))
    logo_url = fields.Url(schemes={"https", "http"})
    primary_color = fields.String(validate=validate.Regexp(COLOUR, error="Use #rrggbb."))
    secondary_color = fields.String(validate=validate.Regexp(COLOUR, error="Use #rrggbb."))
    white_label = fields.Boolean()


class PageSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
