"""A session (one running meeting) on this node: its participants, its
publications and the notices every participant gets when they change. What
the web asks of it is carried out by one handler per control command
(commands.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from aiortc import RTCRtpReceiver

from app.protocol import node_api
from app.protocol import signalling as sig
from app.protocol.join_token import RESUME_CLAIM, Permission
from app.protocol.messages import Message
from app.protocol.node_api import EventKind
from app.sfu.activity import Activity, watch_talking
from app.sfu.aiortc_hooks import request_keyframe, tap_receiver
from app.sfu.commands import carry_out
from app.sfu.forwarding import Publication
from app.sfu.tasks import OwnedTasks

if TYPE_CHECKING:
    from app.sfu.node import Node
    from app.sfu.participant import Participant

log = logging.getLogger(__name__)

MICROPHONE = sig.Source.MICROPHONE
SILENCED_BECAUSE = {
    sig.MuteMode.PRESENTATION: "the meeting is in presentation mode: only moderators may speak",
    sig.MuteMode.QA: "the meeting is in q&a mode: wait until a moderator lets you speak",
}


class Refused(Exception):
    def __init__(self, code: sig.CloseCode, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Session:
    """One running meeting on this node. It owns its participants (closing
    it closes them), its publications and its tasks; once it is closed the
    node forgets it."""

    def __init__(self, session_id: str, node: Node,
                 mute_mode: sig.MuteMode = sig.MuteMode.CONVERSATION, locked: bool = False):
        self.session_id = session_id
        self.node = node
        self.participants: dict[str, Participant] = {}
        self.publications: dict[str, Publication] = {}
        self.locked = locked
        self.mute_mode = mute_mode
        # By participant id, not connection: a reconnect keeps both.
        self.allowed_speakers: set[str] = set()  # in q&a mode
        self.raised_hands: set[str] = set()
        self.closed = False
        self.outputs: sig.Outputs | None = None  # the badges, as the web last said
        self.activity = Activity(node, session_id)
        self._tasks = OwnedTasks(f"session {session_id}")
        self._spawn(watch_talking(self), f"talking {session_id}")

    # --- counts for the node's load ----------------------------------------------

    @property
    def participant_count(self) -> int:
        return len(self.participants)

    @property
    def published_count(self) -> int:
        return len(self.publications)

    @property
    def forwarded_count(self) -> int:
        return sum(len(p.down) for p in self.publications.values())

    def visible(self) -> list[sig.ParticipantInfo]:
        return [p.info for p in self.participants.values() if not p.hidden]

    def track_infos(self) -> list[sig.TrackInfo]:
        return [_track_info(p) for p in self.publications.values()]

    def may_speak(self, participant: Participant) -> bool:
        """Whether the mute mode lets ``participant`` unmute a microphone."""
        if participant.may(Permission.MODERATE) or self.mute_mode is sig.MuteMode.CONVERSATION:
            return True
        return self.mute_mode is sig.MuteMode.QA and participant.id in self.allowed_speakers

    def why_silenced(self) -> str:
        """What a participant who may not speak is told when they try."""
        return SILENCED_BECAUSE.get(self.mute_mode, "you may not speak now")

    # --- joining and leaving -------------------------------------------------------

    def admit(self, participant: Participant) -> None:
        """Raise ``Refused`` if ``participant`` may not join now."""
        if self.closed:
            raise Refused(sig.CloseCode.SESSION_ENDED, "the session has ended")
        returning = participant.id in self.participants
        # The web vouches that a resuming participant was in before the lock.
        resuming = returning or participant.grant.extra.get(RESUME_CLAIM) == "1"
        if self.locked and not resuming and not participant.may(Permission.MODERATE):
            raise Refused(sig.CloseCode.LOCKED, "the session is locked")
        limit = self.node.settings.max_participants
        if limit and not returning and self.node.participant_count >= limit:
            raise Refused(sig.CloseCode.FULL, "this node is full")

    async def enter(self, participant: Participant) -> None:
        previous = self.participants.get(participant.id)
        self.participants[participant.id] = participant
        if previous is not None:  # a reconnect: the new connection takes over
            await previous.close(sig.CloseCode.REPLACED, "connected again elsewhere")
        else:
            if not participant.hidden:
                self.broadcast(sig.ParticipantJoined(participant.info), but=participant)
            self.node.report(EventKind.JOINED, self.session_id, participant.id,
                             display_name=participant.info.display_name,
                             role=participant.info.role)
        participant.send(sig.Joined(
            session_id=self.session_id, me=participant.info, participants=self.visible(),
            tracks=self.track_infos(), permissions=sorted(participant.grant.permissions),
            mute_mode=self.mute_mode, locked=self.locked))
        if self.outputs is not None:
            participant.send(self.outputs)
        for publication in self.publications.values():
            if self.forwards(publication, participant):
                participant.subscribe(publication)

    async def leave(self, participant: Participant) -> None:
        if self.participants.get(participant.id) is not participant:
            return  # replaced by a newer connection, which keeps the publications
        del self.participants[participant.id]
        # Gone for good: the others drop the hand with the participant. The
        # right to speak stays, should the same participant come back.
        self.raised_hands.discard(participant.id)
        for publication in [p for p in self.publications.values()
                            if p.participant_id == participant.id]:
            self.unpublish(publication)
        for publication in self.publications.values():
            publication.remove_down_track(participant.id)
        reasons: dict[int, str] = {sig.CloseCode.KICKED: "kicked",
                                   sig.CloseCode.SESSION_ENDED: "ended"}
        reason = reasons.get(participant.close_code or 0, "left")
        if not participant.hidden:
            self.broadcast(sig.ParticipantLeft(participant.id, reason))
        self.node.report(EventKind.LEFT, self.session_id, participant.id, reason=reason)
        if not self.participants and not self.closed:
            self.node.report(EventKind.SESSION_EMPTY, self.session_id, "")
            await self.close()

    # --- publications ---------------------------------------------------------------

    def publish(self, owner: Participant, source: sig.Source,
                receiver: RTCRtpReceiver) -> Publication:
        """Forward what ``receiver`` gets to every subscriber; a returning
        participant's track continues its old publication."""
        track_id = _track_id(owner.id, source)
        publication = self.publications.get(track_id)
        fresh = publication is None
        silenced = False
        if publication is None:
            publication = Publication(track_id, owner.id, source.value, source.kind,
                                      self.node.settings.keyframe_interval_seconds)
            # Muted before its first packet: none of it may reach the others.
            silenced = source is MICROPHONE and not self.may_speak(owner)
            publication.muted = silenced or owner.muted_sources.pop(source, False)
            self.publications[track_id] = publication
        publication.bind(lambda ssrc: self._spawn(request_keyframe(receiver, ssrc),
                                                  f"key frame {track_id}"))
        tap_receiver(receiver, publication)
        if fresh:
            self.broadcast(sig.TrackPublished(_track_info(publication)), but=owner)
            self.node.report(EventKind.TRACK_PUBLISHED, self.session_id, owner.id,
                             track_id=track_id, source=source.value)
            self.activity.on_air(publication, not publication.muted)
            if publication.muted:  # the owner's page shows why its microphone is off
                self._tell_muted(publication, by="moderator" if silenced else owner.id)
            for participant in self.participants.values():
                if self.forwards(publication, participant):
                    participant.subscribe(publication)
                    participant.renegotiate()
        return publication

    def forwards(self, publication: Publication, subscriber: Participant) -> bool:
        """Whether ``subscriber`` receives ``publication``: not their own,
        with the subscribe permission, and a camera only with
        ``see_all_cameras`` or when a moderator's (a room's
        webcams_only_for_moderator)."""
        if publication.participant_id == subscriber.id or \
                not subscriber.may(Permission.SUBSCRIBE):
            return False
        if publication.source != sig.Source.CAMERA.value or \
                subscriber.may(Permission.SEE_ALL_CAMERAS):
            return True
        owner = self.participants.get(publication.participant_id)
        return owner is not None and owner.may(Permission.MODERATE)

    def unpublish(self, publication: Publication) -> None:
        if self.publications.pop(publication.track_id, None) is None:
            return
        for participant in self.participants.values():
            if publication.track_id in participant.subscriptions:
                participant.unsubscribe(publication)
                participant.renegotiate()
        self.broadcast(sig.TrackUnpublished(publication.track_id, publication.participant_id,
                                            sig.Source(publication.source)))
        self.node.report(EventKind.TRACK_UNPUBLISHED, self.session_id,
                         publication.participant_id, track_id=publication.track_id)
        self.activity.on_air(publication, False)

    def set_muted(self, publication: Publication, muted: bool, by: str) -> None:
        if publication.muted == muted:
            return
        publication.set_muted(muted)
        self._tell_muted(publication, by)

    def _tell_muted(self, publication: Publication, by: str) -> None:
        muted = publication.muted
        self.broadcast(sig.Muted(publication.track_id, publication.participant_id, muted, by,
                                 sig.Source(publication.source)))
        self.node.report(EventKind.MUTED, self.session_id, publication.participant_id,
                         track_id=publication.track_id, muted=str(muted).lower(), by=by)
        self.activity.on_air(publication, not muted)

    def set_hand(self, participant_id: str, raised: bool) -> None:
        if (participant_id in self.raised_hands) == raised:
            return  # a page restoring its state after a reconnect repeats itself
        if raised:
            self.raised_hands.add(participant_id)
        else:
            self.raised_hands.discard(participant_id)
        self.broadcast(sig.Hand(participant_id, raised))
        self.activity.hand(participant_id, raised)

    def chat(self, sender: Participant, text: str, to: str | None) -> None:
        message = sig.ChatMessage(from_id=sender.id, from_name=sender.info.display_name,
                                  text=text, at=time.time(), to=to)
        recipient = self.participants.get(to) if to is not None else None
        if to is not None and recipient is None:
            sender.send(sig.Error("not_found", "no such participant"))
            return
        refused = _chat_refused(sender, recipient)
        if refused:
            sender.send(sig.Error("forbidden", refused))
            return
        if recipient is None:
            self.broadcast(message)
        else:
            recipient.send(message)
            sender.send(message)
        self.activity.chat(sender.id, private=to is not None)

    async def carry_out(self, command: node_api.ControlCommand) -> bool:
        """Do what ``command`` asks (its handler in commands.py); False when its
        participant is not here. Raises ``WrongMuteMode`` when the session's
        mode does not allow it."""
        return await carry_out(command, self)

    def silence(self, participant: Participant) -> None:
        """Mute ``participant``'s microphone if the mode no longer lets them speak."""
        publication = self.publications.get(_track_id(participant.id, MICROPHONE))
        if publication is not None and not self.may_speak(participant):
            self.set_muted(publication, True, by="moderator")

    # --- closing ----------------------------------------------------------------------

    async def shut_down(self) -> None:
        await self.close_all(sig.CloseCode.GOING_AWAY, "the media node is shutting down")

    async def close_all(self, code: sig.CloseCode, reason: str) -> None:
        """Close every participant's connection (each learns ``code`` at once,
        before any of them leaves), then this session."""
        closing = [p.close(code, reason) for p in list(self.participants.values())]
        await asyncio.gather(*closing, return_exceptions=True)
        await self.close()

    async def close(self) -> None:
        """Cancel and wait for this session's own tasks; the node forgets it."""
        if self.closed:
            return
        self.closed = True
        await self._tasks.cancel_all()
        self.node.forget(self)

    # --- helpers ------------------------------------------------------------------------

    def broadcast(self, message: Message, but: Participant | None = None) -> None:
        for participant in self.participants.values():
            if participant is not but:
                participant.send(message)

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        if self.closed:  # nothing would end it
            coroutine.close()
            return
        self._tasks.spawn(coroutine, name)


def _chat_refused(sender: Participant, recipient: Participant | None) -> str | None:
    """Why ``sender`` may not send this chat message (a room's chat locks),
    or None. A private message to a moderator is always allowed."""
    if recipient is None:
        return None if sender.may(Permission.CHAT_PUBLIC) else \
            "public chat is turned off in this meeting"
    if sender.may(Permission.CHAT_PRIVATE) or recipient.may(Permission.MODERATE):
        return None
    return "private chat is turned off in this meeting"


def _track_id(participant_id: str, source: sig.Source) -> str:
    return f"{participant_id}:{source.value}"


def _track_info(publication: Publication) -> sig.TrackInfo:
    return sig.TrackInfo(track_id=publication.track_id,
                         participant_id=publication.participant_id,
                         source=sig.Source(publication.source), kind=publication.kind,
                         muted=publication.muted)
