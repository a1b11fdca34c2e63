"""The portal's conference pages: the host's upcoming conferences, and the
schedule, edit and cancel forms. They call the same operations as
enterprise_api conference/* for the session's host; a refused form is shown
again with the message (422), nothing stored."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from functools import cache
from typing import Any

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue

from app.core.db import utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.modules.access import Actor
from app.modules.conferences import operations
from app.modules.conferences.operations import ConferenceRecord
from app.modules.conferences.plan import AUTO_RECORD
from app.protocol.signalling import MuteMode
from app.web import bp
from app.web.host_session import current_host_session, login_required
from app.web.tenant import page_tenant

UPCOMING = "/conf/calls/upcoming"
FORM_FIELDS = ("subject", "agenda", "start", "time_zone", "duration", "auto_record",
               "mute_mode", "security_pin", "participants", "participant_emails")
SHOWN = 100  # upcoming conferences on the page


@bp.get(UPCOMING)
@login_required
def upcoming() -> ResponseReturnValue:
    """The host's conferences that have not ended, soonest first."""
    actor = _actor()
    page = operations.list_conferences(actor, {
        "host_id": actor.caller.id, "time_zone": "UTC", "page": 1, "per_page": SHOWN,
        "from": utcnow().strftime("%Y-%m-%d %H:%M:%S")})
    db.session.commit()
    return render_template("web/conferences/upcoming.html", conferences=page.items,
                           total=page.total, done=request.args.get("done"), nav="upcoming")


@bp.get("/conf/calls/new")
@login_required
def new() -> ResponseReturnValue:
    start = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    return _form({"start": start.strftime("%Y-%m-%dT%H:%M"), "time_zone": "UTC",
                  "duration": "60", "auto_record": "none"})


@bp.post("/conf/calls/new")
@login_required
def create() -> ResponseReturnValue:
    actor = _actor()
    data = {"host_id": actor.caller.id, **_submitted()}
    try:
        operations.create_conference(actor, data)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        return _form(request.form, error=refused.message, status=refused.status)
    db.session.commit()
    return redirect(f"{UPCOMING}?done=scheduled", 303)


@bp.get("/conf/calls/<int:conference_id>/edit")
@login_required
def edit(conference_id: int) -> ResponseReturnValue:
    record = operations.get_conference(_actor(), conference_id)
    return _form(_values_of(record), conference=record)


@bp.post("/conf/calls/<int:conference_id>/edit")
@login_required
def update(conference_id: int) -> ResponseReturnValue:
    actor = _actor()
    record = operations.get_conference(actor, conference_id)
    changes = _submitted()
    if (changes["start"], changes["time_zone"]) == (_wall(record), record.time_zone):
        # Unchanged: a conference under way keeps a start that is now past.
        del changes["start"], changes["time_zone"]
    try:
        operations.update_conference(actor, conference_id, changes)
    except (ValidationFailed, Conflict) as refused:
        db.session.rollback()
        return _form(request.form, conference=record, error=refused.message,
                     status=refused.status)
    db.session.commit()
    return redirect(f"{UPCOMING}?done=updated", 303)


@bp.post("/conf/calls/<int:conference_id>/cancel")
@login_required
def cancel(conference_id: int) -> ResponseReturnValue:
    operations.cancel_conference(_actor(), conference_id)
    db.session.commit()
    return redirect(f"{UPCOMING}?done=cancelled", 303)


def _actor() -> Actor:
    session = current_host_session()
    assert session is not None  # login_required let the request in
    return Actor(session.caller, page_tenant())


def _submitted() -> dict[str, Any]:
    """The form as the operations take it; a value of the wrong kind is
    passed on as typed, for the domain to refuse with its message."""
    form = request.form
    start = form.get("start", "").strip().replace("T", " ")
    return {
        "subject": form.get("subject", ""), "agenda": form.get("agenda", ""),
        "start": f"{start}:00" if len(start) == 16 else start,
        "time_zone": form.get("time_zone", ""),
        "duration": _number(form.get("duration", "")),
        "auto_record": form.get("auto_record", "none"),
        "auto_transcribe": "auto_transcribe" in form,
        "one_time_access_code": "one_time_access_code" in form,
        "security_pin": form.get("security_pin", "").strip() or None,
        "mute_mode": form.get("mute_mode") or None,
        "participants": [_number(part) for part in
                         form.get("participants", "").replace(",", " ").split()],
        "participant_emails": [_invitee(line) for line in
                               form.get("participant_emails", "").splitlines() if line.strip()],
    }


def _number(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else text


def _invitee(line: str) -> dict[str, Any]:
    """``email [moderator] [+phone]``, in any order."""
    invitee: dict[str, Any] = {"email": "", "moderator": False}
    for word in line.replace(",", " ").split():
        if word.lower() == "moderator":
            invitee["moderator"] = True
        elif word.startswith("+"):
            invitee["phone"] = word
        else:
            invitee["email"] = f"{invitee['email']} {word}".strip()
    return invitee


def _wall(record: ConferenceRecord) -> str:
    return record.start.strftime("%Y-%m-%d %H:%M:%S")


def _values_of(record: ConferenceRecord) -> dict[str, Any]:
    """A conference as its form shows it."""
    return {
        "subject": record.subject, "agenda": record.agenda,
        "start": record.start.strftime("%Y-%m-%dT%H:%M:%S"), "time_zone": record.time_zone,
        "duration": str(record.duration), "auto_record": record.auto_record,
        "auto_transcribe": record.auto_transcribe,
        "one_time_access_code": record.one_time_access_code is not None,
        "security_pin": record.security_pin or "",
        "mute_mode": record.mute_mode.value if record.mute_mode else "",
        "participants": " ".join(str(i) for i in record.participants[1:]),
        "participant_emails": "\n".join(
            " ".join([e.email, *(["moderator"] if e.moderator else []),
                      *([e.phone] if e.phone else [])]) for e in record.participant_emails),
    }


def _form(values: Any, conference: ConferenceRecord | None = None, error: str | None = None,
          status: int = 200) -> ResponseReturnValue:
    return render_template(
        "web/conferences/form.html", values=values, conference=conference, error=error,
        zones=_zones(), auto_record=AUTO_RECORD, mute_modes=[m.value for m in MuteMode],
        nav="schedule" if conference is None else "upcoming"), status


@cache
def _zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())
