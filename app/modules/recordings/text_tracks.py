"""Caption and subtitle tracks of a recording: uploaded as WebVTT or SRT,
kept as WebVTT in storage (``<company>/tracks/<recording>/<kind>_<lang>.vtt``),
one per kind and language (a new upload replaces it), listed with expiring
links. webvtt-py reads both formats; langcodes checks the language tags."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import langcodes
import sqlalchemy as sa
import webvtt
from webvtt.errors import MalformedFileError

from app.errors import ValidationFailed
from app.extensions import db, settings
from app.modules.recordings.models import Recording, TextTrack
from app.modules.recordings.operations import storage_link, tracks_prefix
from app.modules.tenants.models import Tenant
from app.storage import storage_for

KINDS = ("subtitles", "captions")  # the HTML5 <track> kinds a recording offers
UPLOAD = "upload"  # where a track came from (live and automatic: none made yet)
MAX_BYTES = 8 * 1024 * 1024
VTT_TYPE = "text/vtt"


@dataclass(frozen=True)
class TrackRecord:
    kind: str
    lang: str
    label: str
    source: str
    href: str  # an expiring link to the WebVTT file
    expires_at: datetime


def text_tracks(company: Tenant, recording: Recording) -> list[TrackRecord]:
    """The recording's tracks, by kind then language, each with a fresh link."""
    assert recording.company_id == company.id
    rows = db.session.execute(sa.select(TextTrack).where(
        TextTrack.recording_id == recording.id).order_by(TextTrack.kind, TextTrack.lang))
    return [_record(company, track) for track in rows.scalars()]


def check_track(kind: str, lang: str) -> None:
    """ValidationFailed (naming ``kind`` or ``lang``) for a kind that is not
    one of KINDS or a language that is no well-formed BCP 47 tag."""
    if kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}",
                               {"kind": ["Not a track kind."]})
    if not langcodes.tag_is_valid(lang) or len(lang) > 35:
        raise ValidationFailed("lang must be a language tag such as en-US",
                               {"lang": ["Not a well-formed language tag."]})


def put_text_track(company: Tenant, recording: Recording, kind: str, lang: str,
                   label: str | None, content: bytes | None) -> bool:
    """Store ``content`` (WebVTT or SRT) as the recording's ``kind`` track in
    ``lang``, replacing the one it had; None deletes that track. False when
    the file is no subtitle file: nothing changes then. An empty file is a
    ValidationFailed."""
    assert recording.company_id == company.id
    check_track(kind, lang)
    if content is not None and not content.strip():
        raise ValidationFailed("The uploaded text track is empty", {"file": ["Empty."]})
    if content is not None and len(content) > MAX_BYTES:
        raise ValidationFailed("The text track is too large", {"file": ["Too large."]})
    existing = db.session.execute(sa.select(TextTrack).where(
        TextTrack.recording_id == recording.id, TextTrack.kind == kind,
        TextTrack.lang == lang)).scalar()
    if content is None:
        _drop(existing)
        return True
    vtt = as_webvtt(content)
    if vtt is None:
        return False
    key = f"{tracks_prefix(recording)}{kind}_{lang}.vtt"
    storage_for(settings()).put_bytes(key, vtt.encode(), VTT_TYPE)
    track = existing or TextTrack(recording_id=recording.id, kind=kind, lang=lang,
                                  source=UPLOAD, storage_key=key)
    track.label = (label or _language_name(lang))[:200]
    db.session.add(track)
    db.session.flush()
    return True


def as_webvtt(content: bytes) -> str | None:
    """``content`` as a WebVTT document: WebVTT kept as it is, SRT converted;
    None when it is neither (or has no cue)."""
    text = content.decode("utf-8-sig", "replace")
    form = "vtt" if text.lstrip().startswith("WEBVTT") else "srt"
    try:
        parsed = webvtt.WebVTT.from_buffer(io.StringIO(text), format=form)
    except MalformedFileError:
        return None
    if not parsed.captions:
        return None
    return text if form == "vtt" else parsed.content


def _drop(track: TextTrack | None) -> None:
    if track is None:
        return
    storage_for(settings()).delete_prefix(track.storage_key)
    db.session.delete(track)
    db.session.flush()


def _language_name(lang: str) -> str:
    return str(langcodes.Language.get(lang).display_name())


def _record(company: Tenant, track: TextTrack) -> TrackRecord:
    href, expires_at = storage_link(company, track.storage_key)
    return TrackRecord(kind=track.kind, lang=track.lang, label=track.label,
                       source=track.source, href=href, expires_at=expires_at)
