"""Recordings as an integrator sees them: the recordings of its integration
rooms (app/modules/meetings/integration.py), found by the rooms' own ids,
by their ids (or the start of them), by state and by metadata; published,
unpublished, deleted and given new metadata. The integrator acts for a
whole company (the dialect authenticated it): no host scope here, and
another company's recording is simply not found."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.modules.meetings.models import Participant, Room
from app.modules.recordings.models import READY_STATES, Recording, RecordingState
from app.modules.recordings.operations import (
    RecordingRecord,
    record_of,
    remove_recording,
    with_link,
)
from app.modules.tenants.models import Tenant

# What an integrator may list: every state but FAILED (nothing to play, ever).
LISTED_STATES = frozenset(RecordingState) - {RecordingState.FAILED}


@dataclass(frozen=True)
class RecordingQuery:
    """Which recordings: of these rooms (their ``external_id``), or with
    public ids starting with one of ``id_prefixes`` (which wins when given);
    in ``states``; whose metadata has every pair of ``meta``."""

    external_ids: Sequence[str] = ()
    id_prefixes: Sequence[str] = ()
    states: Collection[RecordingState] = READY_STATES
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IntegrationRecording:
    """A recording with what a dialect shows beside it."""

    record: RecordingRecord  # download_url: only while published
    external_id: str  # its room's, as the integrator named it
    title: str | None  # its room's
    session_started_at: datetime  # when the meeting it recorded started
    meta: dict[str, str]
    participants: int  # who joined its session (the recorder aside)


def find_recordings(company: Tenant, namespace: str,
                    query: RecordingQuery) -> list[IntegrationRecording]:
    """The company's recordings of ``namespace``'s rooms that ``query``
    picks, oldest first, each published one with a fresh link."""
    select = _of_rooms(company, namespace).where(
        Recording.state.in_(set(query.states) & LISTED_STATES))
    if query.id_prefixes:
        select = select.where(sa.or_(*(Recording.public_id.startswith(prefix, autoescape=True)
                                       for prefix in query.id_prefixes)))
    elif query.external_ids:
        select = select.where(Room.external_id.in_(query.external_ids))
    for key, value in query.meta.items():
        select = select.where(Recording.meta[key].as_string() == value)
    rows = db.session.execute(select.options(selectinload(Recording.session))
                              .order_by(Recording.started_at, Recording.id)).all()
    counts = _participant_counts({recording.session_id for recording, _ in rows})
    return [IntegrationRecording(
        record=with_link(record_of(recording), recording, company),
        external_id=room.external_id or "", title=room.title,
        session_started_at=recording.session.started_at, meta=dict(recording.meta),
        participants=counts.get(recording.session_id, 0)) for recording, room in rows]


def recordings_by_id(company: Tenant, namespace: str,
                     public_ids: Collection[str]) -> list[Recording]:
    """The company's recordings of ``namespace``'s rooms with exactly these
    public ids (those that exist and are not deleted or failed)."""
    select = _of_rooms(company, namespace).where(
        Recording.public_id.in_(set(public_ids)),
        Recording.state.not_in((RecordingState.DELETED, RecordingState.FAILED)))
    return [recording for recording, _ in db.session.execute(select.order_by(Recording.id))]


def publish_recordings(company: Tenant, recordings: Sequence[Recording],
                       published: bool) -> None:
    """Publish or unpublish each ready recording; one still being made is
    left as it is (it is published when ready)."""
    for recording in _owned(company, recordings):
        if recording.state in READY_STATES:
            recording.state = RecordingState.PUBLISHED if published \
                else RecordingState.UNPUBLISHED
    db.session.flush()


def delete_recordings(company: Tenant, recordings: Sequence[Recording]) -> None:
    """Delete each recording and its files (all or none: Conflict while one
    is still being recorded or assembled)."""
    for recording in _owned(company, recordings):
        remove_recording(recording)


def update_recording_meta(company: Tenant, recordings: Sequence[Recording],
                          changes: Mapping[str, str]) -> None:
    """Set each key of ``changes`` in the recordings' metadata; an empty
    value removes the key."""
    for recording in _owned(company, recordings):
        meta = dict(recording.meta)
        for key, value in changes.items():
            if value:
                meta[key] = value
            else:
                meta.pop(key, None)
        recording.meta = meta  # a new dict: the JSON column sees the change
    db.session.flush()


def _of_rooms(company: Tenant, namespace: str) -> sa.Select[Recording, Room]:
    return sa.select(Recording, Room).join(Room, Room.id == Recording.room_id).where(
        Recording.company_id == company.id, Room.company_id == company.id,
        Room.namespace == namespace)


def _owned(company: Tenant, recordings: Sequence[Recording]) -> Sequence[Recording]:
    assert all(recording.company_id == company.id for recording in recordings)
    return recordings


def _participant_counts(session_ids: set[int]) -> dict[int, int]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        sa.select(Participant.session_id, sa.func.count(Participant.id))
        .where(Participant.session_id.in_(session_ids), Participant.joined_at.is_not(None),
               Participant.role != "recorder")
        .group_by(Participant.session_id))
    return {session_id: count for session_id, count in rows}
