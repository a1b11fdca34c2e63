"""What a session's composed picture shows besides its people, as an API
asks for it (the rooms API's layout, layers and playbacks): kept with the
session (``SessionComposition``), sent at once to the egress serving the
session when one does, and given to every egress that starts later
(``arrangement.opening``). The picture only exists in the outputs (live
stream, recording, broadcast, snapshots): the meeting page shows people
as the media node forwards them. Every operation takes the tenant; 410
once the session has ended."""

from __future__ import annotations

from dataclasses import asdict, replace
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.errors import NotFound, ValidationFailed
from app.extensions import db, settings
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.outputs.arrangement import (
    Arrangement,
    composition,
    playbacks_of,
    stored_arrangement,
    stored_composition,
)
from app.modules.outputs.egress_nodes import send_command
from app.modules.outputs.operations import lock_running, public_address, serving_egress
from app.modules.tenants.models import Tenant
from app.protocol import egress_api
from app.protocol.egress_api import LayerSpec, PlaybackSpec

Z_INDEXES = (-1, 1)  # background, foreground
MAX_URL = 2000


def set_layout(company: Tenant, session: MeetingSession, arranged: Arrangement) -> None:
    """Place the tiles as ``arranged`` says. Its users and focus may name
    participants by an API's user id (``external_user_id``) or their public
    id; any other id (a playback's play id, one who left) stays as given."""
    lock_running(company, session)
    ids = _participant_ids(session, [*arranged.spec.users, arranged.focus])
    spec = replace(arranged.spec, users=[ids.get(user, user) for user in arranged.spec.users])
    arranged = Arrangement(layout=arranged.layout, focus=ids.get(arranged.focus, arranged.focus),
                           spec=spec)
    composition(session, for_update=True).layout = stored_arrangement(arranged)
    _tell(session, egress_api.SetLayout(session_id=session.public_id, layout=arranged.layout,
                                        focus_participant_id=arranged.focus, arrangement=spec))


def set_layer(company: Tenant, session: MeetingSession, layer: LayerSpec) -> None:
    """Show ``layer`` at its z-index (-1 background, 1 foreground), in place
    of the one there. ValidationFailed for an image the egress cannot fetch."""
    if layer.z_index not in Z_INDEXES:
        raise ValidationFailed("z-index: use -1 or 1", {"z-index": ["Use -1 or 1."]})
    if layer.image_url:
        check_media_url(layer.image_url, "url")
    lock_running(company, session)
    stored = composition(session, for_update=True)
    stored.layers = {**stored.layers, str(layer.z_index): asdict(layer)}
    _tell(session, egress_api.SetLayer(session_id=session.public_id, layer=layer))


def clear_layer(company: Tenant, session: MeetingSession, z_index: int) -> None:
    """Remove the layer at ``z_index``; NotFound for a z-index there is none at."""
    if z_index not in Z_INDEXES:
        raise NotFound("No such layer: use -1 or 1")
    lock_running(company, session)
    stored = composition(session, for_update=True)
    stored.layers = {z: layer for z, layer in stored.layers.items() if z != str(z_index)}
    _tell(session, egress_api.ClearLayer(session_id=session.public_id, z_index=z_index))


def start_playback(company: Tenant, session: MeetingSession, playback: PlaybackSpec) -> None:
    """Play ``playback`` (in place of one with the same play id), instead of
    its replacement participant's camera (an API user id or public id) or in
    a tile of its own."""
    check_media_url(playback.url, "playback[url]")
    lock_running(company, session)
    ids = _participant_ids(session, [playback.replacement_id])
    playback = replace(playback, replacement_id=ids.get(playback.replacement_id,
                                                       playback.replacement_id))
    stored = composition(session, for_update=True)
    stored.playbacks = {**stored.playbacks, playback.play_id: asdict(playback)}
    _tell(session, egress_api.StartPlayback(session_id=session.public_id, playback=playback))


def stop_playback(company: Tenant, session: MeetingSession, play_id: str) -> None:
    """Stop the playback ``play_id``; NotFound when the session has none such."""
    lock_running(company, session)
    stored = composition(session, for_update=True)
    if play_id not in stored.playbacks:
        raise NotFound("No playback has this play_id")
    stored.playbacks = {key: value for key, value in stored.playbacks.items() if key != play_id}
    _tell(session, egress_api.StopPlayback(session_id=session.public_id, play_id=play_id))


def playbacks(company: Tenant, session: MeetingSession) -> list[PlaybackSpec]:
    """The session's playbacks, by play id."""
    assert session.company_id == company.id
    return playbacks_of(stored_composition(session))


def check_media_url(url: str, name: str) -> None:
    """An http(s) URL the egress may fetch (in production: a public host)."""
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(f"{name}: {message}", {name: [message]})

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises for a port that is no number)
    except ValueError as exc:
        raise refuse("Not an http:// or https:// URL.") from exc
    if parts.scheme not in ("http", "https") or not host or len(url) > MAX_URL or \
            not url.isprintable() or " " in url:
        raise refuse("Not an http:// or https:// URL.")
    if settings().env == "production" and not public_address(host):
        raise refuse("The file must be at a public address.")


def _participant_ids(session: MeetingSession, ids: list[str]) -> dict[str, str]:
    """The public id of each of the session's participants named in ``ids``
    by its user id or public id."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(Participant).where(
        Participant.session_id == session.id,
        sa.or_(Participant.external_user_id.in_(wanted), Participant.public_id.in_(wanted)))
        .order_by(Participant.id)).scalars()
    found: dict[str, str] = {}
    for participant in rows:
        for key in (participant.external_user_id, participant.public_id):
            if key:
                found[key] = participant.public_id
    return found


def _tell(session: MeetingSession, command: egress_api.EgressCommand) -> None:
    """Send ``command`` to the egress serving the session (none: the change
    waits for the next one). An egress that cannot use a file answers 422:
    ValidationFailed, and the edge rolls the change back."""
    db.session.flush()
    egress = serving_egress(session)
    if egress is None:
        return
    result = send_command(egress, command, refused_ok=True)
    if not result.ok:
        raise ValidationFailed(f"The file cannot be used: {result.detail}",
                               {"url": [result.detail or "The egress could not use it."]})
