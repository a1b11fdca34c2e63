"""Marshmallow building blocks that every dialect's schemas may use; no
dialect's document shapes live here."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import idna
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


# scheme://host[:port], an optional "/" and nothing else. The host is a
# bracketed IPv6 address or a run of characters that are none of the URL's
# delimiters; what it may hold is checked after (IDNA, IP addresses).
_ORIGIN = re.compile(
    r"(?P<scheme>[A-Za-z]+)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^\[\]/?#@:\\\s]+)"
    r"(?::(?P<port>[0-9]{1,5}))?/?"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ASCII_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def validate_origin(value: str) -> None:
    """An origin is http(s)://host[:port] with nothing after it (a marshmallow
    validator: ``normalize_origin`` says why not)."""
    try:
        normalize_origin(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


def normalize_origin(value: str) -> str:
    """The ASCII form of the origin ``value`` (``scheme://host[:port]``, lower
    case, the scheme's default port left out, a host name in IDNA), or
    ``ValueError``. Nothing else passes: no wildcard, no path, no spaces,
    quotes, semicolons or control characters, so an origin can go into a
    header (CSP frame-ancestors) and be compared with a browser's
    ``MessageEvent.origin`` as it is."""
    match = _ORIGIN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"Not an origin (http(s)://host[:port]): {value!r}")
    scheme = match["scheme"].lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"Not an http(s) origin: {value!r}")
    host = _ascii_host(match["host"])
    port = int(match["port"]) if match["port"] is not None else _DEFAULT_PORTS[scheme]
    if not 1 <= port <= 65535:
        raise ValueError(f"Bad port in {value!r}")
    return f"{scheme}://{host}" + ("" if port == _DEFAULT_PORTS[scheme] else f":{port}")


def _ascii_host(host: str) -> str:
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError as exc:
            raise ValueError(f"Not an IPv6 address: {host!r}") from exc
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    try:  # UTS #46 with the STD3 rules: letters, digits and hyphens only
        ascii_host = idna.encode(host, uts46=True, std3_rules=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"Not a host name: {host!r}") from exc
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_ASCII_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"Not a host name: {host!r}")
    return ascii_host
