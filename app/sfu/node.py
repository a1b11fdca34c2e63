"""The node: its sessions, its load, what the web may ask of it."""

from __future__ import annotations

import asyncio
import logging
import resource
import time

from app.protocol.join_token import InvalidJoinToken, JoinGrant, verify
from app.protocol.node_api import EventKind, NodeLoad, ParticipantEvent
from app.sfu.config import NodeSettings
from app.sfu.session import Session

log = logging.getLogger(__name__)

EVENT_QUEUE_SIZE = 10_000
ENDED_MEMORY_SECONDS = 3600  # longer than any join token lives


class Node:
    """Owns every ``Session`` (running meeting) of this process."""

    def __init__(self, settings: NodeSettings):
        self.settings = settings
        self.started_at = time.time()
        self.sessions: dict[str, Session] = {}
        self.public_key = settings.join_token_public_key
        # Draining: no new sessions here, the running ones go on until they
        # end. Leaving: every call is being closed (a drain's deadline passed,
        # or a plain stop); its clients rejoin on another node.
        self.draining = False
        self.leaving = False
        # Participant events for the web; WebLink drains it. Bounded: when the
        # web is unreachable for long, the oldest events are dropped, not memory.
        self.events: asyncio.Queue[ParticipantEvent] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self._cpu_mark = (time.monotonic(), _cpu_seconds())
        self._cpu = 0.0  # cores used over the last sampled interval
        self._spent: dict[str, float] = {}  # session/participant -> until (kicked)
        self._ended: dict[str, float] = {}  # session_id -> until (tokens may outlive it)
        # When the web last answered a heartbeat (monotonic), and how long it
        # waits for the next before it takes this node for dead and places
        # sessions elsewhere: the web says; three intervals until it has.
        self.web_answered_at: float | None = None
        self.web_dead_after = 3 * settings.heartbeat_seconds

    # --- health -------------------------------------------------------------

    def web_answered(self, dead_after_seconds: float) -> None:
        self.web_answered_at = time.monotonic()
        self.web_dead_after = dead_after_seconds

    def not_ready_because(self) -> str | None:
        """Why no one should be sent here now (for /health), or None."""
        if self.settings.web_url:
            if self.web_answered_at is None:
                return "the web has not answered a heartbeat yet"
            silent = time.monotonic() - self.web_answered_at
            if silent > self.web_dead_after:
                return (f"the web has answered no heartbeat for {silent:.0f} s: "
                        "it takes this node for dead")
        if not self.public_key:
            return "no join token key yet"
        return None

    # --- joining ------------------------------------------------------------

    def verify_token(self, token: str, session_id: str) -> JoinGrant:
        """The grant of ``token`` for ``session_id`` on this node.

        Raises InvalidJoinToken (bad, expired, forged) or WrongSession."""
        if not self.public_key:
            raise InvalidJoinToken("this node has no join token key yet")
        grant = verify(token, self.public_key)
        if grant.session_id != session_id or grant.node_id != self.settings.node_id:
            raise WrongSession("this join token is for another session or node")
        if self._spent.get(f"{session_id}/{grant.participant_id}", 0) > time.time():
            raise WrongSession("this participant was removed from the session")
        return grant

    def mark_ended(self, session_id: str) -> None:
        now = time.time()
        self._ended = {k: v for k, v in self._ended.items() if v > now}
        self._ended[session_id] = now + ENDED_MEMORY_SECONDS

    def is_ended(self, session_id: str) -> bool:
        return self._ended.get(session_id, 0) > time.time()

    def session_for(self, grant: JoinGrant) -> Session:
        """The grant's session, opened here if it is not running. A session
        opened now takes its state from the grant (the web's view when it
        signed it); later joins do not change it: the web does, through
        control commands."""
        session = self.sessions.get(grant.session_id)
        if session is None or session.closed:
            session = Session(grant.session_id, self, grant.mute_mode, grant.locked)
            self.sessions[grant.session_id] = session
        return session

    def forget(self, session: Session) -> None:
        if self.sessions.get(session.session_id) is session:
            del self.sessions[session.session_id]

    def spend(self, session_id: str, participant_id: str, until: float) -> None:
        """A kicked participant's tokens are refused until they expire."""
        now = time.time()
        self._spent = {k: v for k, v in self._spent.items() if v > now}
        self._spent[f"{session_id}/{participant_id}"] = until

    def report(self, kind: EventKind, session_id: str, participant_id: str,
               **data: str) -> None:
        event = ParticipantEvent(kind=kind, session_id=session_id,
                                 participant_id=participant_id, at=time.time(), data=data)
        if self.events.full():
            self.events.get_nowait()
        self.events.put_nowait(event)

    def takes_joins_to(self, session_id: str) -> bool:
        """Whether a join to ``session_id`` may start or continue here now: a
        draining node takes joins to the sessions it runs, nothing new."""
        if self.leaving:
            return False
        running = self.sessions.get(session_id)
        return not self.draining or (running is not None and not running.closed)

    @property
    def empty(self) -> bool:
        return not self.session_ids()

    async def stop(self) -> None:
        """Close every session's connections (GOING_AWAY), then return."""
        self.draining = self.leaving = True
        await asyncio.gather(*(s.shut_down() for s in list(self.sessions.values())),
                             return_exceptions=True)

    # --- load ---------------------------------------------------------------

    def load(self, sample_cpu: bool = True) -> NodeLoad:
        """What this node carries now. ``cpu`` is the cores used since the last
        sample; only heartbeats sample, so /health polls do not shorten the window."""
        if sample_cpu:
            now, cpu = time.monotonic(), _cpu_seconds()
            then, cpu_then = self._cpu_mark
            self._cpu_mark = (now, cpu)
            self._cpu = round((cpu - cpu_then) / max(now - then, 1e-3), 3)
        running = [s for s in self.sessions.values() if not s.closed]
        return NodeLoad(
            sessions=len(running),
            participants=sum(s.participant_count for s in running),
            published_tracks=sum(s.published_count for s in running),
            forwarded_streams=sum(s.forwarded_count for s in running),
            cpu=self._cpu,
            max_participants=self.settings.max_participants,
        )

    @property
    def participant_count(self) -> int:
        return sum(s.participant_count for s in self.sessions.values())

    def session_ids(self) -> list[str]:
        return [sid for sid, session in self.sessions.items() if not session.closed]


class WrongSession(Exception):
    """A valid token used on the wrong session or node, or a spent one."""


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
