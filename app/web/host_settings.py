"""``/portal/settings``: the host's own meeting defaults, the settings
cascade's host level (docs/settings.md). The form shows what the levels
above decide (the company's, and the reseller's where the company inherits)
and takes only what the host may narrow or choose: the same schema and the
same operation as ``host/update``'s ``meeting_defaults``."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from app.errors import ValidationFailed
from app.extensions import db
from app.modules.access import Actor
from app.modules.hosts.operations import update_host
from app.modules.settings.cascade import HIDEABLE_CONTROLS, LANGUAGES
from app.modules.settings.operations import company_defaults
from app.modules.settings.schemas import meeting_defaults_schema
from app.protocol.signalling import MuteMode
from app.web import bp
from app.web.host_session import current_host_session, login_required
from app.web.tenant import page_tenant

SETTINGS_PAGE = "/portal/settings"
# The settings this form shows; the host's other defaults (set through the
# API) are kept as they are when it is saved.
FORM_FIELDS = ("mute_mode", "language", "hidden_controls", "after_call_url")


@bp.get(SETTINGS_PAGE)
@login_required
def portal_settings() -> ResponseReturnValue:
    db.session.commit()  # the session's last_seen_at
    return _page(saved=request.args.get("saved") == "1")


@bp.post(SETTINGS_PAGE)
@login_required
def portal_save_settings() -> ResponseReturnValue:
    session = current_host_session()
    assert session is not None  # login_required let the request in
    tenant = page_tenant()
    kept = {key: value for key, value in session.host.meeting_defaults.items()
            if key not in FORM_FIELDS}
    try:
        own = meeting_defaults_schema.load(_form_values())
        update_host(Actor(session.caller, tenant), session.host.id,
                    {"meeting_defaults": {**kept, **own}})
    except ValidationError as invalid:
        db.session.rollback()
        return _page(errors=_messages(invalid.messages), status=422)
    except ValidationFailed as refused:
        db.session.rollback()
        return _page(errors=_messages(refused.errors.get("meeting_defaults", {})) or
                     {"": [refused.message]}, status=422)
    db.session.commit()
    return redirect(f"{SETTINGS_PAGE}?saved=1", 303)


def _form_values() -> dict[str, Any]:
    """The form as meeting defaults: an empty choice sets nothing (the
    company's applies); at most one value per field is read."""
    form = request.form
    values: dict[str, Any] = {
        name: form.get(name, "").strip()[:2000] for name in ("mute_mode", "language",
                                                             "after_call_url")}
    values = {name: value for name, value in values.items() if value}
    hidden = form.getlist("hidden_controls")[:len(HIDEABLE_CONTROLS) * 2]
    if hidden:
        values["hidden_controls"] = list(dict.fromkeys(hidden))
    return values


def _messages(messages: Any) -> dict[str, list[str]]:
    """Field -> messages, flattened for the page (a list's item errors too)."""
    if not isinstance(messages, dict):
        return {"": [str(messages)]}
    flat: dict[str, list[str]] = {}
    for field, given in messages.items():
        if isinstance(given, dict):
            given = [text for inner in given.values() for text in inner]
        flat[str(field)] = [str(text) for text in given]
    return flat


def _page(status: int = 200, saved: bool = False,
          errors: dict[str, list[str]] | None = None) -> ResponseReturnValue:
    session = current_host_session()
    assert session is not None
    tenant = page_tenant()
    own = dict(session.host.meeting_defaults)
    if errors is not None:  # show what was sent, not what is stored
        own = {name: request.form.get(name, "") for name in FORM_FIELDS}
        own["hidden_controls"] = request.form.getlist("hidden_controls")
    above = company_defaults(tenant)
    return render_template(
        "web/portal/settings.html", tenant=tenant, host=session.host, nav="settings",
        own=own, above=above, above_hidden=set(above["hidden_controls"]),
        controls=HIDEABLE_CONTROLS, languages=LANGUAGES,
        mute_modes=[mode.value for mode in MuteMode], saved=saved, errors=errors or {},
    ), status
