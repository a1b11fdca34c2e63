"""The body of Elos's analytics callback (callbacks.py): each attendee's
joins and leaves, time in the meeting and engagement, from the session's
participants and their activity counters (app/modules/meetings/activity.py).

An attendee is one user of the integrator (its join's userID; without one,
each participant is its own attendee), with a ``sessions`` entry per
participant it was. The body is made when the delivery is sent, from what
is stored then: the node reports each talk, camera and screen-share stretch
when it stops, and a participant's leave, possibly a moment after the
meeting.ended event; someone still marked present is taken to have left
when the meeting ended, and a stretch reported after the delivery is not
in it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.api.bbb.deliveries import Meeting
from app.core.db import utcnow
from app.modules.meetings.activity import AttendeeActivity, session_activity
from app.modules.meetings.integration import session_participants
from app.modules.meetings.models import Participant
from app.modules.meetings.room_options import options_of
from app.protocol.join_token import Role

VERSION = "1.0"


def engagement(meeting: Meeting) -> dict[str, Any]:
    """The callback's JSON document for the (ended) ``meeting``."""
    session = meeting.session
    finish = session.ended_at or utcnow()
    activity = {a.participant_id: a for a in session_activity(meeting.company, session)}
    users: dict[str, list[Participant]] = {}
    for participant in session_participants(meeting.company, session, present_only=False):
        if participant.public_id in activity:  # only who came in
            users.setdefault(_user_id(participant), []).append(participant)
    return {
        "version": VERSION, "meeting_id": meeting.meeting_id,
        "internal_meeting_id": meeting.internal_id,
        "data": {
            "metadata": _metadata(meeting),
            "duration": _seconds(session.started_at, finish),
            "start": _time(session.started_at), "finish": _time(finish),
            "attendees": [_attendee(user_id, group, activity, finish)
                          for user_id, group in users.items()],
            "files": [], "polls": [], "recorded_segments": [], "transfer_attendees": [],
        },
    }


def _attendee(user_id: str, participants: Sequence[Participant],
              activity: dict[str, AttendeeActivity], finish: datetime) -> dict[str, Any]:
    numbers = [activity[p.public_id] for p in participants]
    spans = [(p, p.joined_at or finish, _left(p, finish)) for p in participants]
    return {
        "ext_user_id": user_id, "name": participants[-1].display_name,
        "moderator": any(p.role == Role.MODERATOR.value for p in participants),
        "joins": [_time(joined) for _, joined, _ in spans],
        "leaves": [_time(left) for _, _, left in spans],
        "duration": sum(_seconds(joined, left) for _, joined, left in spans),
        "recent_talking_time": "",
        "engagement": {
            "chats": sum(n.chats for n in numbers),
            "talks": 0,  # the node reports talk time, not a count of stretches
            "raisehand": sum(n.hands_raised for n in numbers),
            "emojis": sum(n.reactions for n in numbers),
            "poll_votes": 0,  # no polls
            "talk_time": round(sum(n.talk_seconds for n in numbers)),
            "webcam_time": round(sum(n.camera_seconds for n in numbers)),
            "screenshare_time": round(sum(n.screen_share_seconds for n in numbers)),
        },
        "sessions": {p.public_id: {
            "joins": [_mark(p, user_id, joined, "join")],
            "lefts": [_mark(p, user_id, left, "left")],
        } for p, joined, left in spans},
    }


def _mark(participant: Participant, user_id: str, moment: datetime,
          event: str) -> dict[str, Any]:
    return {"timestamp": _time(moment), "userid": participant.public_id,
            "ext_userid": user_id, "event": event,
            "remove": event == "left" and participant.removed_at is not None}


def _left(participant: Participant, finish: datetime) -> datetime:
    """When the participant left: as the node reported, else (still marked
    present) when the meeting ended."""
    left = participant.left_at
    if left is None or participant.joined_at is None or left < participant.joined_at:
        return finish
    return left


def _metadata(meeting: Meeting) -> dict[str, str]:
    meta = {name.replace("-", "_"): value for name, value in (meeting.room.meta or {}).items()}
    if "analytics_callback_url" in meta:
        meta["analytics_callback_url"] = "hidden"  # as Elos: the URL is no data
    return {**meta, "is_breakout": "false", "meeting_id": meeting.meeting_id,
            "meeting_name": meeting.room.title or meeting.meeting_id,
            "record": "true" if options_of(meeting.room.options).record else "false"}


def _user_id(participant: Participant) -> str:
    return participant.external_user_id or participant.public_id


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def _time(moment: datetime) -> str:
    """Elos's times: 2023-08-07 14:06:14 +0000 (UTC here)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S %z")
