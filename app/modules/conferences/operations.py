"""Conferences: schedule, read, list, change and cancel, each for an ``Actor``:
a HOST for itself, a COMPANY_ADMIN for its company's hosts, a RESELLER_ADMIN
for its reseller's. Another tenant's conference does not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.db import utcnow
from app.core.pagination import Page, paginate
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.modules.access import Actor, HostRole, covers_company
from app.modules.conferences import times
from app.modules.conferences.invitations import Method, invitees_of, send_invitations
from app.modules.conferences.models import Conference, ConferenceInvitee
from app.modules.conferences.plan import EmailInvitee, Plan, changed_plan, new_plan
from app.modules.conferences.reminders import schedule_reminders
from app.modules.events.models import EventType
from app.modules.events.operations import emit, iso
from app.modules.hosts.models import Host
from app.modules.hosts.operations import load_host
from app.modules.meetings.scheduling import (
    RoomPlan,
    cancel_room,
    is_active,
    reschedule_room,
    room_url,
    schedule_room,
    set_moderators,
)
from app.modules.settings.operations import host_defaults
from app.modules.tenants.models import Tenant
from app.protocol.signalling import MuteMode

NOT_FOUND = "Conference not found"


@dataclass(frozen=True)
class ConferenceRecord:
    """A conference as every dialect renders it; times on its zone's clocks."""

    conference_id: int
    subject: str
    agenda: str
    start: datetime
    end_time: datetime
    active: bool
    time_zone: str
    duration: int
    auto_record: str
    auto_transcribe: bool
    one_time_access_code: str | None  # the room's own code; None: the host's address
    security_pin: str | None
    mute_mode: MuteMode | None  # None: the company's default
    participants: tuple[int, ...]  # the organizer first
    participant_emails: tuple[EmailInvitee, ...]
    host_id: int
    join_url: str


def create_conference(actor: Actor, data: dict[str, Any]) -> ConferenceRecord:
    """Schedule a conference for ``data["host_id"]``: its room, the invitations
    to everyone (the organizer too) and the reminders."""
    organizer = load_host(actor, data["host_id"])  # 404 out of scope, 403 a colleague
    company = Tenant.of(organizer.company)
    now = utcnow()
    plan = new_plan(data, now)
    _check_allowed(company, organizer, plan)
    hosts = _participant_hosts(company, organizer, plan)
    room = schedule_room(company, organizer, _room_plan(plan))
    conference = Conference(company_id=company.id, host_id=organizer.id, room_id=room.id,
                            sequence=0)
    conference.host, conference.room = organizer, room
    _apply(conference, plan, hosts)
    db.session.add(conference)
    db.session.flush()
    _set_invitees(company, conference, hosts, plan)
    send_invitations(company, conference, Method.REQUEST, invitees_of(conference),
                     "conference_invitation")
    schedule_reminders(company, conference, now)
    _emit(company, conference, EventType.CONFERENCE_SCHEDULED)
    return record_of(company, conference)


def get_conference(actor: Actor, conference_id: int) -> ConferenceRecord:
    conference = load_conference(actor, conference_id)
    return record_of(Tenant.of(conference.company), conference)


def list_conferences(actor: Actor, query: dict[str, Any]) -> Page[ConferenceRecord]:
    """Conferences that are not cancelled and overlap [from, to) (wall-clock
    times in ``time_zone``, default UTC), by start; of ``host_id``, else the
    caller's own (HOST) or its company's (admins)."""
    select = sa.select(Conference).where(Conference.cancelled_at.is_(None))
    if query.get("host_id"):
        host = load_host(actor, query["host_id"])
        select = select.where(Conference.host_id == host.id)
    elif actor.role is HostRole.HOST:
        select = select.where(Conference.host_id == actor.caller.id)
    else:
        select = select.where(Conference.company_id == actor.tenant.id)
    zone_name = query.get("time_zone") or "UTC"
    times.zone(zone_name)  # 422 for an unknown zone, with or without a range
    if query.get("from"):
        since = times.to_utc(times.parse_wall_time(query["from"], "from"), zone_name, "from")
        select = select.where(Conference.end_at > since)
    if query.get("to"):
        until = times.to_utc(times.parse_wall_time(query["to"], "to"), zone_name, "to")
        select = select.where(Conference.start_at < until)
    # Each record reads its room and invitees: one query for each, not one per row.
    select = select.options(selectinload(Conference.room), selectinload(Conference.invitees))
    page = paginate(select.order_by(Conference.start_at), Conference.id, query["page"],
                    query["per_page"])
    tenants: dict[int, Tenant] = {}

    def record(conference: Conference) -> ConferenceRecord:
        if conference.company_id not in tenants:
            tenants[conference.company_id] = Tenant.of(conference.company)
        return record_of(tenants[conference.company_id], conference)

    return page.map(record)


def update_conference(actor: Actor, conference_id: int,
                      changes: dict[str, Any]) -> ConferenceRecord:
    """Change the fields given; everyone invited gets the update (SEQUENCE + 1),
    anyone no longer invited a cancellation, and reminders are made anew."""
    conference = _open_conference(actor, conference_id)
    company = Tenant.of(conference.company)
    now = utcnow()
    plan = changed_plan(plan_of(conference), changes, now)
    _check_allowed(company, conference.host, plan)
    hosts = _participant_hosts(company, conference.host, plan)
    before = invitees_of(conference)
    reschedule_room(company, conference.room, _room_plan(plan))
    _apply(conference, plan, hosts)
    conference.sequence += 1
    _set_invitees(company, conference, hosts, plan)
    after = invitees_of(conference)
    kept = {invitee.email for invitee in after}
    send_invitations(company, conference, Method.REQUEST, after, "conference_update")
    removed = [invitee for invitee in before if invitee.email not in kept]
    # RFC 5546 3.2.5: uninvited attendees get a CANCEL that names them.
    send_invitations(company, conference, Method.CANCEL, removed, "conference_cancel",
                     attendees=removed)
    schedule_reminders(company, conference, now)
    db.session.flush()
    _emit(company, conference, EventType.CONFERENCE_UPDATED)
    return record_of(company, conference)


def cancel_conference(actor: Actor, conference_id: int) -> None:
    """Close its room now (ending a meeting running in it) and tell everyone."""
    conference = _open_conference(actor, conference_id)
    company = Tenant.of(conference.company)
    conference.cancelled_at = utcnow()
    conference.sequence += 1  # the reminders already queued now do nothing
    cancel_room(company, conference.room)
    send_invitations(company, conference, Method.CANCEL, invitees_of(conference),
                     "conference_cancel")
    db.session.flush()
    _emit(company, conference, EventType.CONFERENCE_CANCELLED)


def _emit(company: Tenant, conference: Conference, type: EventType) -> None:
    data: dict[str, Any] = {
        "conference_id": conference.id, "host_id": conference.host_id,
        "room_id": conference.room_id, "subject": conference.subject,
        "time_zone": conference.time_zone, "start_at": iso(conference.start_at),
        "end_at": iso(conference.end_at), "sequence": conference.sequence}
    if conference.cancelled_at is not None:
        data["cancelled_at"] = iso(conference.cancelled_at)
    emit(company.id, company.reseller_id, type, data)


def load_conference(actor: Actor, conference_id: int) -> Conference:
    """The conference, if the actor may see it: 404 outside its scope (as for
    one that does not exist or was cancelled), 403 a colleague's for a HOST."""
    conference = db.session.get(Conference, conference_id)
    if conference is None or conference.cancelled_at is not None or \
            not conference.company.active or \
            not covers_company(actor.caller, conference.company_id,
                               conference.company.reseller_id):
        raise NotFound(NOT_FOUND)
    if actor.role is HostRole.HOST and conference.host_id != actor.caller.id:
        raise Forbidden("A host may only manage its own conferences")
    return conference


def record_of(company: Tenant, conference: Conference) -> ConferenceRecord:
    room = conference.room
    return ConferenceRecord(
        conference_id=conference.id, subject=conference.subject, agenda=conference.agenda,
        start=conference.start_at.astimezone(times.zone(conference.time_zone)),
        end_time=conference.end_at.astimezone(times.zone(conference.time_zone)),
        active=is_active(company, room), time_zone=conference.time_zone,
        duration=conference.duration_minutes, auto_record=room.auto_record or "none",
        auto_transcribe=conference.auto_transcribe, one_time_access_code=room.access_code,
        security_pin=room.security_pin, mute_mode=room.mute_mode,
        participants=tuple(conference.participants),
        participant_emails=tuple(EmailInvitee(i.email, i.moderator, i.phone)
                                 for i in conference.invitees if i.host_id is None),
        host_id=conference.host_id, join_url=room_url(company, room),
    )


def plan_of(conference: Conference) -> Plan:
    """What the conference was last asked to be (the base of a change)."""
    room = conference.room
    return Plan(
        subject=conference.subject, agenda=conference.agenda,
        time_zone=conference.time_zone, start_at=conference.start_at,
        duration_minutes=conference.duration_minutes, auto_record=room.auto_record or "none",
        auto_transcribe=conference.auto_transcribe, own_code=room.access_code is not None,
        security_pin=room.security_pin, mute_mode=room.mute_mode,
        participants=tuple(conference.participants[1:]),
        participant_emails=tuple(EmailInvitee(i.email, i.moderator, i.phone)
                                 for i in conference.invitees if i.host_id is None),
    )


def _open_conference(actor: Actor, conference_id: int) -> Conference:
    conference = load_conference(actor, conference_id)
    if conference.end_at <= utcnow():
        raise Conflict("This conference is over")
    return conference


def _participant_hosts(company: Tenant, organizer: Host, plan: Plan) -> list[Host]:
    """The organizer, then each participant host; a host id that is no live
    host of the company is refused the same way whether it exists elsewhere
    or not."""
    ids = [i for i in plan.participants if i != organizer.id]
    found = {host.id: host for host in db.session.execute(
        sa.select(Host).where(Host.id.in_(ids), Host.company_id == company.id,
                              Host.deleted_at.is_(None))).scalars()} if ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(
            f"participants: {', '.join(map(str, missing))} "
            f"{'is not a host' if len(missing) == 1 else 'are not hosts'} of this company",
            {"participants": ["Not a host of this company."]})
    hosts = [organizer, *(found[i] for i in ids)]
    by_host = {host.email for host in hosts}
    for invitee in plan.participant_emails:
        if invitee.email in by_host:
            raise ValidationFailed(
                f"participant_emails: {invitee.email} is invited as a participant host",
                {"participant_emails": ["Already invited as a participant host."]})
    return hosts


def _check_allowed(company: Tenant, organizer: Host, plan: Plan) -> None:
    """Recording and transcription only where the settings cascade allows
    them for the organizer (a reseller, company or host may have turned them off)."""
    allowed = host_defaults(company, organizer.meeting_defaults)
    if plan.auto_record != "none" and not allowed["recording_allowed"]:
        raise ValidationFailed("Recording is not allowed for this host",
                               {"auto_record": ["Recording is not allowed for this host."]})
    if plan.auto_transcribe and not allowed["transcription_allowed"]:
        raise ValidationFailed(
            "Transcription is not allowed for this host",
            {"auto_transcribe": ["Transcription is not allowed for this host."]})


def _room_plan(plan: Plan) -> RoomPlan:
    return RoomPlan(starts_at=plan.start_at, duration_minutes=plan.duration_minutes,
                    security_pin=plan.security_pin, mute_mode=plan.mute_mode,
                    auto_record=plan.auto_record, own_code=plan.own_code, title=plan.subject)


def _apply(conference: Conference, plan: Plan, hosts: list[Host]) -> None:
    conference.subject, conference.agenda = plan.subject, plan.agenda
    conference.time_zone = plan.time_zone
    conference.start_at, conference.end_at = plan.start_at, plan.end_at
    conference.duration_minutes = plan.duration_minutes
    conference.auto_transcribe = plan.auto_transcribe
    conference.participants = [host.id for host in hosts]


def _set_invitees(company: Tenant, conference: Conference, hosts: list[Host],
                  plan: Plan) -> None:
    """Everyone invited, the organizer first and as moderator; rows of those
    still invited are kept, the others removed."""
    wanted = [ConferenceInvitee(email=hosts[0].email, moderator=True, host_id=hosts[0].id),
              *(ConferenceInvitee(email=host.email, moderator=False, host_id=host.id)
                for host in hosts[1:]),
              *(ConferenceInvitee(email=e.email, moderator=e.moderator, phone=e.phone)
                for e in plan.participant_emails)]
    current = {invitee.email: invitee for invitee in conference.invitees}
    rows = []
    for want in wanted:
        row = current.get(want.email) or want
        row.moderator, row.host_id, row.phone = want.moderator, want.host_id, want.phone
        rows.append(row)
    conference.invitees = rows
    set_moderators(company, conference.room, [row.email for row in rows if row.moderator])
