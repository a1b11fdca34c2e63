"""The portal's recordings page (``/portal/recordings``): the host's own
recordings, played and downloaded through expiring links, and deleted."""

from __future__ import annotations

from flask import redirect, render_template, request
from flask.typing import ResponseReturnValue

from app.extensions import db
from app.modules.access import Actor
from app.modules.recordings.operations import PORTAL_PATH, delete_recording, host_recordings
from app.web import bp
from app.web.host_session import current_host_session, login_required
from app.web.tenant import page_tenant

PER_PAGE = 20
MAX_PAGE = 10_000


@bp.get(PORTAL_PATH)
@login_required
def portal_recordings() -> ResponseReturnValue:
    tenant = page_tenant()
    session = current_host_session()
    assert session is not None  # login_required let the request in
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 1 <= int(page) <= MAX_PAGE else 1
    listed = host_recordings(Actor(session.caller, tenant), tenant, number, PER_PAGE)
    db.session.commit()  # the session's last_seen_at
    return render_template("web/portal/recordings.html", tenant=tenant, host=session.host,
                           recordings=listed, deleted=request.args.get("deleted") == "1",
                           last_page=max(1, -(-listed.total // PER_PAGE)), nav="recordings")


@bp.post(f"{PORTAL_PATH}/<recording_id>/delete")
@login_required
def portal_delete_recording(recording_id: str) -> ResponseReturnValue:
    tenant = page_tenant()
    session = current_host_session()
    assert session is not None
    delete_recording(Actor(session.caller, tenant), recording_id[:32])
    db.session.commit()
    return redirect(f"{PORTAL_PATH}?deleted=1", 303)
