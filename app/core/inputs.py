"""Checks of raw input that every dialect and page makes at its edge, before
any value reaches an operation or the database: what no field of ours can
take is a 400 (or, for a path, the 404 of a thing nobody has), never an
error deep in an operation."""

from __future__ import annotations

from typing import Any

from app.errors import BadRequest, NotFound

# Deeper than any document of ours; far below where Python's parser recurses out.
MAX_JSON_DEPTH = 32
# JSON numbers beyond a signed 64-bit integer fit no column of ours.
MAX_JSON_INTEGER = 2**63 - 1
MAX_CODE_DIGITS = 12
MAX_PUBLIC_ID = 32


def check_json_values(document: Any) -> None:
    """BadRequest unless every value in ``document`` (decoded JSON) is one our
    fields can take; iterative, so no input can exhaust the stack."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadRequest(f"The body nests deeper than {MAX_JSON_DEPTH} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    check_text(key)
                pending.append((item, depth + 1))
        elif isinstance(value, str):
            check_text(value)
        elif isinstance(value, int) and not isinstance(value, bool) \
                and abs(value) > MAX_JSON_INTEGER:
            raise BadRequest("A number in the body is out of range")


def check_text(text: str) -> None:
    """BadRequest for a NUL character or a lone surrogate (``"\\ud83d"``)."""
    if "\x00" in text:
        raise BadRequest("Text may not contain a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest("Text may not contain a lone surrogate") from exc


def path_code(value: str, what: str) -> str:
    """A code from the URL path (a room's access code): digits only, else 404
    for that ``what``, exactly as for a code nobody has."""
    if not (value.isascii() and value.isdigit() and len(value) <= MAX_CODE_DIGITS):
        raise NotFound(what)
    return value


def path_id(value: str, what: str) -> str:
    """A public id from the URL path (a session's): URL-safe base64 only, else
    404 for that ``what``."""
    if not (0 < len(value) <= MAX_PUBLIC_ID and value.isascii()
            and all(c.isalnum() or c in "-_" for c in value)):
        raise NotFound(what)
    return value


def host_name_of(host_header: str) -> str:
    """The host name (or address) a ``Host`` header names: no port, no IPv6
    brackets, lower case, no trailing dot."""
    host = host_header.strip()
    bare = host[1:].partition("]")[0] if host.startswith("[") else host.partition(":")[0]
    return bare.lower().rstrip(".")
