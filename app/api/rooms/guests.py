"""Guests: POST /guests/<guest_token> lets a guest into the token's running
meeting (423 once it is locked); ``links.guest_join`` is a page that asks
the guest's name and does the same, then opens the meeting page."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue

from app.api.parsing import request_tenant
from app.api.rooms import bp
from app.api.rooms.auth import RoomUser
from app.api.rooms.documents import room_document
from app.api.rooms.errors import RoomLocked
from app.api.rooms.guest_tokens import NO_TOKEN, guest_session
from app.api.rooms.options import require_available
from app.api.rooms.params import load_params
from app.api.rooms.schemas import guest_schema
from app.api.rooms.urls import GUEST_PAGE, PREFIX
from app.core.security_headers import page_policy
from app.errors import AppError, NotFound
from app.extensions import db
from app.modules.meetings.operations import JoinTicket, issue_ticket, place_session
from app.modules.meetings.passes import issue_pass
from app.modules.tenants.models import Tenant
from app.protocol.join_token import Role

MAX_TOKEN = 200


@bp.post("/guests/<token>")
def create_guest(token: str) -> tuple[Response, int]:
    """A guest of the meeting, with an access key: the room document."""
    user, ticket = _admit(request_tenant(), token, lambda: load_params(guest_schema))
    document = room_document(user, ticket)
    db.session.commit()
    return jsonify(document), 201


@bp.route(GUEST_PAGE.removeprefix(PREFIX), methods=["GET", "POST"])
def guest_page() -> ResponseReturnValue:
    """``links.guest_join``: a form for the guest's name; sent, the guest is
    let in and taken to the meeting page (errors are shown on the form)."""
    token = request.values.get("guest", "")
    name = request.form.get("name", "")
    error = None
    if request.method == "POST":
        try:
            user, _ = _admit(request_tenant(), token,
                             lambda: load_params(guest_schema, {"name": name}))
            db.session.commit()
            return redirect(room_document(user, None)["links"]["gui"], 303)
        except AppError as exc:
            db.session.rollback()
            error = exc.message
    response = make_response(render_template(
        "rooms/guest.html", token=token, name=name, error=error,
        action=GUEST_PAGE))
    response.headers["Content-Security-Policy"] = page_policy("'self'")
    return response


def _admit(tenant: Tenant, token: str, data: Any) -> tuple[RoomUser, JoinTicket]:
    """A new guest of the meeting ``token`` names, and their join ticket:
    404 for no such token, 410 once the meeting ended, 405 when the room
    gives no guest tokens, 400 for bad ``data()``, 423 once it is locked."""
    if not 0 < len(token) <= MAX_TOKEN:
        raise NotFound(NO_TOKEN)
    session = guest_session(tenant, token)
    require_available(session.room, "guest_token_available")
    given_data = data()
    if session.locked:  # only those in it stay; nobody new comes in
        raise RoomLocked("The meeting is locked: no new guests can join")
    node = place_session(tenant, session)
    given = issue_pass(tenant, session, given_data["name"].strip(), Role.GUEST,
                       external_user_id=given_data.get("id"),
                       avatar_url=given_data.get("avatar"),
                       user_data={"custom_fields": given_data["custom_fields"]}, guest=True)
    ticket = issue_ticket(tenant, session, node, given.participant)
    return RoomUser(tenant, given.key, given.participant, session), ticket
