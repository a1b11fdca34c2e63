"""How every BBB call is served: one decorator finds the company from the
host name, reads the parameters (query string, or a form body on POST),
checks the checksum with the company's shared secret, runs the view, commits
once and answers its XML.

To add a call, write a view in a module of this package and import that
module in ``__init__``::

    @bbb_call("getRecordings")
    def get_recordings(call: BbbCall) -> Response:
        meeting_id = call.params.get("meetingID")      # empty values are absent
        return responses.success([("recordings", [...])])

Raise ``errors.BbbError(messageKey, message)`` (or a domain AppError, which
the renderer maps) for a FAILED answer; nothing is committed then.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Response, request

from app.api.bbb import bp
from app.api.bbb.checksum import canonical_form, verify_checksum, without_checksum
from app.api.bbb.errors import checksum_error
from app.api.parsing import request_tenant
from app.extensions import db
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import shared_secret_of

FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class BbbCall:
    """What a view gets: the company, the call's parameters (first value of
    each, empty ones left out, names as sent), and a POST's XML body, if any."""

    name: str
    tenant: Tenant
    params: dict[str, str]
    body: bytes | None


View = Callable[[BbbCall], Response]


def bbb_call(name: str, methods: tuple[str, ...] = ("GET", "POST")) -> Callable[[View], View]:
    """Serve ``view`` as the BBB call ``name`` (/bigbluebutton/api/<name>)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def serve() -> Response:
            tenant = request_tenant()
            call = BbbCall(name=name, tenant=tenant, params=_params(), body=_xml_body())
            _check_signature(call)
            response = view(call)
            db.session.commit()
            return response

        bp.add_url_rule(f"/{name}", endpoint=name, view_func=serve, methods=list(methods))
        return view

    return decorate


def _params() -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in [*request.args.items(multi=True), *_form_pairs()]:
        if value != "" and key not in params:  # empty is absent, as in BBB
            params[key] = value
    return params


def _form_pairs() -> list[tuple[str, str]]:
    """A form-encoded POST body's pairs, parsed from the raw body (which the
    checksum needs as sent too)."""
    if request.method != "POST" or request.mimetype != FORM_TYPE:
        return []
    return parse_qsl(_form_body(), keep_blank_values=True)


def _form_body() -> str:
    # Bytes that are not UTF-8 survive to the checksum as they were sent.
    return request.get_data(cache=True).decode("utf-8", "surrogateescape")


def _xml_body() -> bytes | None:
    """A POST's body that is not a form: XML (create's pre-uploaded documents,
    or a call's own document)."""
    if request.method != "POST" or request.mimetype == FORM_TYPE:
        return None
    return request.get_data(cache=True) or None


def _check_signature(call: BbbCall) -> None:
    given = call.params.get("checksum")
    secret = shared_secret_of(call.tenant)
    if "checksum" in request.args:  # the query string is what was signed
        signed = [without_checksum(request.query_string.decode("utf-8", "surrogateescape"))]
    else:  # a form body: as sent, or in the reference's canonical form
        form = dict(reversed(_form_pairs()))  # the first value of each name
        signed = [without_checksum(_form_body()), canonical_form(form)]
    if not verify_checksum(call.name, signed, given, secret.value, secret.algorithms):
        raise checksum_error()
