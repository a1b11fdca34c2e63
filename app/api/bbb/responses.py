"""BBB's XML answers, built with ElementTree in the order the API reference
shows: ``<response><returncode>..</returncode> ...fields</response>``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask import Response, request

from app.api.bbb.errors import BbbError
from app.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ValidationFailed,
)

XML_TYPE = "text/xml; charset=utf-8"
# A field: (tag, value) or a ready element. Values: str, int, bool (true|false),
# None (an empty element), a datetime (epoch milliseconds), or a mapping/list of
# fields (a nested element).
Field = tuple[str, Any] | ET.Element

# The messageKey BBB gives each kind of domain error (a dialect error brings
# its own): by the error's code first, then by its class.
_CODES = {"guests_not_allowed": "guestDeny", "meeting_full": "maxParticipantsReached"}
_KEYS: list[tuple[type[AppError], str]] = [
    (ValidationFailed, "validationError"), (BadRequest, "validationError"),
    (NotFound, "notFound"), (Gone, "notFound"), (Forbidden, "forbidden"),
    (Conflict, "conflict"), (PayloadTooLarge, "requestTooLarge"), (RateLimited, "tooManyRequests"),
]


def element(tag: str, value: Any = None) -> ET.Element:
    """``<tag>value</tag>``, nested for a mapping or a list of fields."""
    node = ET.Element(tag)
    if isinstance(value, Mapping):
        value = list(value.items())
    if isinstance(value, list):
        append(node, value)
    elif value is not None:
        node.text = text_of(value)
    return node


def append(parent: ET.Element, fields: Iterable[Field]) -> ET.Element:
    for field in fields:
        parent.append(field if isinstance(field, ET.Element) else element(*field))
    return parent


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(epoch_millis(value))
    return str(value)


def epoch_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def xml(root: ET.Element, status: int = 200) -> Response:
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return Response(body, status=status, content_type=XML_TYPE)


def success(fields: Iterable[Field] = ()) -> Response:
    """``<response><returncode>SUCCESS</returncode>`` then ``fields``."""
    return xml(append(element("response", [("returncode", "SUCCESS")]), fields))


def failed(message_key: str, message: str, status: int = 200) -> Response:
    return xml(element("response", [("returncode", "FAILED"), ("messageKey", message_key),
                                    ("message", message)]), status)


def render_failed(error: AppError) -> Response:
    """The BBB dialect's one error renderer: every error as a FAILED document,
    HTTP 200 as BBB answers (a request it has no call for: unsupportedRequest;
    our own failure keeps its 5xx)."""
    if isinstance(error, BbbError):
        return failed(error.message_key, error.message)
    if error.code in _CODES:
        return failed(_CODES[error.code], error.message)
    for kind, key in _KEYS:
        if isinstance(error, kind):
            return failed(key, error.message)
    if error.status in (404, 405):  # no such call, or not with this method
        return failed("unsupportedRequest", "This request is not supported: "
                      + request.path.rsplit("/", 1)[-1])
    return failed("internalError", error.message, error.status if error.status >= 500 else 200)
