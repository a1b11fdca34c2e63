"""The meeting API's OpenAPI 3 document (/api/v1/openapi.json): joining a
room, and what a moderator (or a third party holding a moderator's join
token) does to a running meeting. docs/meeting-api.md explains it."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from app.api.meeting import bp
from app.api.meeting.join import join_schema, ticket_schema
from app.api.meeting.lobby import lobby_schema
from app.api.meeting.moderation import ACTIONS, ok_schema
from app.api.meeting.outputs import outputs_schema
from app.api.openapi import body_schema, error_responses, new_spec

JOIN_ERRORS = {
    "400": "Not JSON, or not a JSON object",
    "401": "The room asks for its security_pin; or a bad auth_token or rejoin_token",
    "403": "Wrong PIN (counts against the limit), or removed by a moderator",
    "404": "Unknown host name or room, or a rejoin_token for another room",
    "410": "The meeting of this rejoin_token has ended",
    "415": "Content-Type is not application/json",
    "422": "Validation failed; `errors` maps each field to its messages",
    "429": "Too many wrong PINs (from this address for this room, or for this room), or "
           "too many addresses that name no room from this address; see Retry-After",
    "503": "No media node is available",
}
MODERATION_ERRORS = {
    "400": "Not JSON, or a moderator removing themself",
    "401": "No join token, or not one this platform signed",
    "403": "The token is not a moderator's of this session; start_recording, "
           "stop_recording: the room's options forbid it",
    "404": "No running session with this id, nobody joined yet, no such participant, "
           "nobody waiting in the lobby by this id (admit), or an unknown action",
    "409": "allow_speak outside qa mode; stop_live or stop_recording with none running; "
           "start_live or start_recording while the last one is still stopping",
    "415": "Content-Type is not application/json",
    "422": "Validation failed; `errors` maps each field to its messages",
    "503": "The session's media node cannot be reached; start_live, start_recording: no "
           "egress process is available, or it cannot be reached (nothing was started)",
}


@cache
def build_spec() -> dict[str, Any]:
    spec = new_spec("meeting API", (
        "JSON over HTTPS POST on a company's host name. Join a room for a join "
        "token and the media node's URL (docs/signalling.md), and act on a "
        "running meeting with a moderator's join token as `Authorization: Bearer`."))
    spec.components.security_scheme("joinToken", {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "A moderator's join token (the `token` of a join answer)"})
    spec.path(path="/api/v1/rooms/{access_code}/join", operations={"post": {
        "operationId": "join", "summary": "A ticket into the room's running meeting",
        "description": (
            "Anyone with the room's address joins as an attendee (with the room's "
            "security_pin when it has one); the room's host or an admin of its company "
            "(auth_token in the body or as Bearer) or the holder of its moderator_pin "
            "as moderator. rejoin_token (the last join token, even expired) resumes as "
            "the same participant."),
        "parameters": [{"name": "access_code", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9]{4,12}$"}}],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": body_schema(spec, join_schema)}}},
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": ticket_schema}}}, **error_responses(JOIN_ERRORS)},
    }})
    for action, (schema, _, summary) in ACTIONS.items():
        spec.path(path=f"/api/v1/sessions/{{session_id}}/{action}", operations={"post": {
            "operationId": action, "summary": summary, "tags": ["moderation"],
            "security": [{"joinToken": []}],
            "parameters": [{"name": "session_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": body_schema(spec, schema)}}},
            "responses": {"200": {"description": "Done", "content": {
                "application/json": {"schema": ok_schema}}},
                **error_responses(MODERATION_ERRORS)},
        }})
    spec.path(path="/api/v1/sessions/{session_id}/outputs", operations={"get": {
        "operationId": "outputs", "summary": "The meeting's outputs and their states",
        "description": (
            "Every live stream, recording, broadcast and snapshot of the running "
            "meeting, oldest first: `kind` (hls, recording, rtmp, snapshot), `state` "
            "(starting, live, stopping, stopped, failed) and `reason` when failed."),
        "tags": ["moderation"], "security": [{"joinToken": []}],
        "parameters": [{"name": "session_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": outputs_schema}}},
            **error_responses({key: MODERATION_ERRORS[key] for key in ("401", "403", "404")})},
    }})
    spec.path(path="/api/v1/sessions/{session_id}/lobby", operations={"get": {
        "operationId": "lobby", "summary": "The guests waiting to be let in",
        "description": (
            "In a room whose guest_policy is ask_moderator, the guests waiting for a "
            "moderator, first come first; the admit action lets one in or turns them away."),
        "tags": ["moderation"], "security": [{"joinToken": []}],
        "parameters": [{"name": "session_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {
            "application/json": {"schema": lobby_schema}}},
            **error_responses({key: MODERATION_ERRORS[key] for key in ("401", "403", "404")})},
    }})
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(build_spec())
