"""Rooms (persistent meeting places), their sessions (one running meeting at a
time) and the participants of a session. See DESIGN.md, "Meetings"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime, utcnow, value_enum
from app.core.security import EncryptedString
from app.modules.hosts.models import Host
from app.modules.media_nodes.models import MediaNode
from app.protocol.signalling import MuteMode

_running = sa.text("ended_at IS NULL")
_own_code = sa.text("access_code IS NOT NULL")
_named = sa.text("external_id IS NOT NULL")


class Room(IdMixin, CreatedMixin, Model):
    """A meeting place: a host's personal room (``host_id``), open at any time
    at the host's address, or a scheduled room (app/modules/meetings/scheduling.py),
    open from ``opens_at`` to ``closes_at`` at its own address (``access_code``)
    or, without one, at its organizer's."""

    __tablename__ = "rooms"
    __table_args__ = (
        sa.Index("uq_rooms_company_access_code", "company_id", "access_code", unique=True,
                 postgresql_where=_own_code, sqlite_where=_own_code),
        sa.Index("uq_rooms_company_namespace_external_id", "company_id", "namespace",
                 "external_id", unique=True, postgresql_where=_named, sqlite_where=_named),
    )

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    # A host's personal room (/conf/call/<access_code>): one per host.
    host_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hosts.id"), unique=True)
    # Who hosts it: moderator in it by their own session, as in their personal room.
    organizer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    access_code: Mapped[str | None] = mapped_column(sa.String(12))  # a scheduled room's own
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    auto_record: Mapped[str | None] = mapped_column(sa.String(10))  # none | video | audio
    title: Mapped[str | None] = mapped_column(sa.String(200))  # a scheduled room's subject
    # Whom a moderator invitation admits (scheduling.moderator_url): an
    # invitation made out to an email no longer here admits nobody.
    moderator_emails: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Attendees must give it; moderators (host, admins, moderator PIN) need not.
    security_pin: Mapped[str | None] = mapped_column(EncryptedString())
    # None: the company's default (app.modules.settings).
    mute_mode: Mapped[MuteMode | None] = mapped_column(value_enum(MuteMode, "mute_mode"))
    # An integration room (integration.py): one an API client names by its own
    # id, unique per company and ``namespace`` (the client's API: each dialect
    # picks one). It has no address of its own: people join it by pass.
    namespace: Mapped[str | None] = mapped_column(sa.String(20))
    external_id: Mapped[str | None] = mapped_column(sa.String(256))
    # What the room asks of its meeting page and sessions (room_options.py).
    options: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The client's own key/value metadata, kept and given back (BBB meta_*).
    meta: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # What a dialect stores for itself and returns unchanged (its wire
    # parameters that change no behaviour); the domain never reads it.
    integration_data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Whoever gives one of these to the integrator's join is moderator / attendee.
    moderator_password: Mapped[str | None] = mapped_column(EncryptedString())
    attendee_password: Mapped[str | None] = mapped_column(EncryptedString())

    host: Mapped[Host | None] = relationship(foreign_keys=[host_id])
    organizer: Mapped[Host | None] = relationship(foreign_keys=[organizer_id])

    @property
    def organizer_defaults(self) -> dict[str, object]:
        """The settings cascade's host level (app.modules.settings.RoomRules)."""
        return self.organizer.meeting_defaults if self.organizer else {}


class MeetingSession(IdMixin, Model):
    __tablename__ = "meeting_sessions"
    __table_args__ = (
        sa.Index("uq_meeting_sessions_room_running", "room_id", unique=True,
                 postgresql_where=_running, sqlite_where=_running),
    )

    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)  # in join tokens
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"))
    media_node_id: Mapped[int | None] = mapped_column(sa.ForeignKey("media_nodes.id"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The room's mode when the session started, then as moderators change it.
    mute_mode: Mapped[MuteMode] = mapped_column(value_enum(MuteMode, "mute_mode"),
                                                default=MuteMode.CONVERSATION)
    locked: Mapped[bool] = mapped_column(default=False)

    media_node: Mapped[MediaNode | None] = relationship()
    room: Mapped[Room] = relationship()


class Participant(IdMixin, CreatedMixin, Model):
    """One join ticket handed out; the node's events fill in when it was used."""

    __tablename__ = "participants"

    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)  # in join tokens
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_sessions.id"), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(20))
    joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A removed participant may join again as someone new, never resume as this one.
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Admitted as moderator by the host's moderator PIN: a keyed digest of it,
    # so that a changed PIN ends the powers it gave (commands.py).
    moderator_pin_digest: Mapped[str | None] = mapped_column(sa.String(64))
    # Let in by a pass (passes.py): the SHA-256 of its key, never the key.
    pass_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Who the integrator says this is (BBB userID, Eyeson user[id]) and the rest it gave.
    external_user_id: Mapped[str | None] = mapped_column(sa.String(256))
    avatar_url: Mapped[str | None] = mapped_column(sa.String(2000))
    user_data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    guest: Mapped[bool] = mapped_column(default=False)  # came by a guest link
    # A guest in the lobby of a room that asks its moderators (room_rules.py):
    # "waiting", then "admitted" or "denied"; None for everyone else.
    admission: Mapped[str | None] = mapped_column(sa.String(10))

    def present(self, now: datetime, reconnect_seconds: float) -> bool:
        """In the meeting as its node last reported, or gone for less than the
        reconnect window (a page riding out a network loss)."""
        if self.joined_at is not None and (self.left_at is None or self.left_at < self.joined_at):
            return True
        return self.left_at is not None and \
            (now - self.left_at).total_seconds() < reconnect_seconds


class ParticipantActivity(Model):
    """What one participant did in their session, added up from the node's
    events (activity.py): the numbers the analytics callback sends. Counters,
    not a log of events: the node measures each duration and reports it at
    its stop, so adding it here is all there is to do."""

    __tablename__ = "participant_activity"

    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"),
                                                primary_key=True)
    talk_seconds: Mapped[float] = mapped_column(default=0.0)
    camera_seconds: Mapped[float] = mapped_column(default=0.0)
    screen_share_seconds: Mapped[float] = mapped_column(default=0.0)
    chats: Mapped[int] = mapped_column(default=0)
    hands_raised: Mapped[int] = mapped_column(default=0)
    # Emoji reactions: the meeting page has none yet; the callback sends 0.
    reactions: Mapped[int] = mapped_column(default=0)
