"""What BBB tests do beside signed calls: mark a participant as in the
meeting (what its media node reports), read the domain's rows."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from app.core.db import utcnow
from app.extensions import db
from app.modules.meetings.models import MeetingSession, Participant, Room


def mark_joined(app: Flask, user_id: str) -> None:
    """The participant whose BBB user_id (public id) or userID this is, as
    its node reports them in (joined_at; what record_events sets)."""
    with app.app_context():
        participant = db.session.execute(sa.select(Participant).where(sa.or_(
            Participant.public_id == user_id, Participant.external_user_id == user_id))
        ).scalar_one()
        participant.joined_at = utcnow()
        db.session.commit()


def room_and_session(app: Flask, company_id: int,
                     meeting_id: str) -> tuple[Room, MeetingSession | None]:
    """The bbb room and its latest session, detached."""
    with app.app_context():
        room = db.session.execute(sa.select(Room).where(
            Room.company_id == company_id, Room.namespace == "bbb",
            Room.external_id == meeting_id)).scalar_one()
        session = db.session.execute(sa.select(MeetingSession).where(
            MeetingSession.room_id == room.id).order_by(MeetingSession.id.desc())).scalars().first()
        db.session.expunge_all()
        return room, session
