"""What the web asks of a session (a moderator's or an API client's command,
through the node's signed control API): one handler per control command
(app/protocol/node_api.py), registered on ``carry_out``."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING

from app.protocol import node_api
from app.protocol import signalling as sig
from app.protocol.join_token import Permission

if TYPE_CHECKING:
    from app.sfu.session import Session


class WrongMuteMode(Exception):
    """A command that the session's mute mode does not allow (the reason says why)."""


@functools.singledispatch
async def carry_out(command: node_api.ControlCommand, session: Session) -> bool:
    """Do what ``command`` asks of ``session``; False when its participant is
    not here. Raises ``WrongMuteMode`` when the session's mode does not allow it."""
    raise TypeError(f"no handler for {type(command).__name__}")

@carry_out.register(node_api.Kick)
async def _kick(command: node_api.Kick, session: Session) -> bool:
    participant = session.participants.get(command.participant_id)
    if participant is None:
        return False
    session.node.spend(session.session_id, participant.id, participant.grant.expires_at + 60)
    participant.send(sig.Kicked(command.reason))
    await participant.close(sig.CloseCode.KICKED, command.reason)
    return True


@carry_out.register(node_api.MuteParticipant)
async def _mute(command: node_api.MuteParticipant, session: Session) -> bool:
    """One participant's microphone, or everyone's but the moderators'."""
    target = command.participant_id
    if target is not None and target not in session.participants:
        return False
    for publication in list(session.publications.values()):
        owner = session.participants.get(publication.participant_id)
        if publication.kind != "audio" or owner is None:
            continue
        if target is None and owner.may(Permission.MODERATE):
            continue
        if target in (None, publication.participant_id):
            session.set_muted(publication, True, by="moderator")
    return True


@carry_out.register(node_api.SetMuteMode)
async def _set_mute_mode(command: node_api.SetMuteMode, session: Session) -> bool:
    """Switch modes; whoever may no longer speak is muted, and q&a starts
    with nobody allowed."""
    mode = command.mode
    if mode is session.mute_mode:
        return True
    session.mute_mode = mode
    # mute_mode says who may speak now; a may_speak notice per allowed
    # speaker would make their pages mute them, even for conversation.
    session.allowed_speakers.clear()
    session.activity.mute_mode(mode)
    speakers = [p.id for p in session.participants.values()
                if not p.hidden and session.may_speak(p)]
    for participant in session.participants.values():
        participant.send(sig.MuteModeChanged(mode, may_speak=session.may_speak(participant),
                                             speakers=speakers))
    for participant in list(session.participants.values()):
        session.silence(participant)
    return True


@carry_out.register(node_api.AllowSpeak)
async def _allow_speak(command: node_api.AllowSpeak, session: Session) -> bool:
    """Let a participant speak in q&a mode (they unmute themselves), or take
    it back and mute them."""
    if session.mute_mode is not sig.MuteMode.QA:
        raise WrongMuteMode(f"letting someone speak is for q&a mode; this session is "
                            f"in {session.mute_mode.value} mode")
    participant = session.participants.get(command.participant_id)
    if participant is None:
        return False
    if command.allowed:
        session.allowed_speakers.add(participant.id)
        session.set_hand(participant.id, False)  # the question is answered
    else:
        session.allowed_speakers.discard(participant.id)
    session.broadcast(sig.MaySpeak(participant.id, session.may_speak(participant)))
    session.silence(participant)
    return True


@carry_out.register(node_api.LockSession)
async def _lock(command: node_api.LockSession, session: Session) -> bool:
    if session.locked != command.locked:
        session.locked = command.locked
        session.broadcast(sig.Locked(command.locked))
    return True


@carry_out.register(node_api.SetOutputs)
async def _set_outputs(command: node_api.SetOutputs, session: Session) -> bool:
    """Show everyone (and whoever joins later) the live and recording badges."""
    session.outputs = sig.Outputs(command.live, command.recording, command.live_state,
                                  command.recording_state, command.reason)
    session.broadcast(session.outputs)
    session.activity.outputs(session.outputs)
    return True


@carry_out.register(node_api.SendMessage)
async def _send_message(command: node_api.SendMessage, session: Session) -> bool:
    """An API client's message to everyone: a chat line, or custom data
    for the pages' embedding sites. Not counted as anyone's chat."""
    if command.kind == "chat":
        session.broadcast(sig.ChatMessage(from_id=command.from_id, from_name=command.from_name,
                                          text=command.content, at=time.time()))
    else:
        session.broadcast(sig.CustomMessage(from_id=command.from_id,
                                            from_name=command.from_name,
                                            content=command.content, at=time.time()))
    return True


@carry_out.register(node_api.EndSession)
async def _end(command: node_api.EndSession, session: Session) -> bool:
    session.node.mark_ended(session.session_id)
    session.broadcast(sig.Ended(command.reason))
    await session.close_all(sig.CloseCode.SESSION_ENDED, command.reason)
    return True
