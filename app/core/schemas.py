"""Marshmallow building blocks that every dialect's schemas may use; no
dialect's document shapes live here."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from marshmallow import RAISE, Schema, ValidationError, fields, validate

DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


# Ids are PostgreSQL integers: a larger number names nothing, and must not
# reach a query (where it is an error, not a miss).
MAX_ID = 2**31 - 1


def id_field(**kwargs: Any) -> fields.Field:
    """An object's id: a JSON integer from 1 to MAX_ID."""
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)


class StrictSchema(Schema):
    """Unknown fields are an error: a typo must not be silently ignored."""

    class Meta:
        unknown = RAISE


class StrictBoolean(fields.Boolean):
    """JSON true or false, nothing else: ``"yes"``, ``1`` or ``"false"`` are
    errors, not guesses (marshmallow's Boolean accepts them)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


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
