"""One error hierarchy for the whole domain. No wire format lives here:
each API dialect renders an ``AppError`` in exactly one handler."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status = 500
    code = "internal_error"
    default_message = "Internal error"

    def __init__(self, message: str | None = None, errors: dict[str, Any] | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.errors = errors or {}
        # HTTP headers the answer carries in every dialect (Allow on a 405,
        # Retry-After on a 429); the renderers add them.
        self.headers: dict[str, str] = {}


class BadRequest(AppError):
    status, code, default_message = 400, "bad_request", "The request is malformed"


class Unauthorized(AppError):
    status, code, default_message = 401, "unauthorized", "Authentication required"


class Forbidden(AppError):
    status, code, default_message = 403, "forbidden", "Not allowed for this role"


class GuestsNotAllowed(Forbidden):
    """A room whose guest_policy refuses guests (or a moderator turned one away)."""

    code, default_message = "guests_not_allowed", "Guests may not join this meeting"


class NotFound(AppError):
    status, code, default_message = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, default_message = 409, "conflict", "Already exists"


class MeetingFull(Conflict):
    """A room's max_participants are in (app/modules/meetings/room_rules.py)."""

    code, default_message = "meeting_full", "The meeting is full"


class WaitingForModerator(Conflict):
    """A guest in a room's lobby: a moderator has not let them in yet."""

    code, default_message = "waiting_for_moderator", "Waiting for a moderator to let you in"


class Gone(AppError):
    status, code, default_message = 410, "gone", "No longer available"


class PayloadTooLarge(AppError):
    status, code, default_message = 413, "payload_too_large", "The request body is too large"


class UnsupportedMediaType(AppError):
    status, code, default_message = 415, "unsupported_media_type", "The body must be JSON"


class ValidationFailed(AppError):
    status, code, default_message = 422, "validation_failed", "Invalid input"


class RateLimited(AppError):
    status, code, default_message = 429, "rate_limited", "Too many requests"


class ServiceUnavailable(AppError):
    status, code, default_message = 503, "service_unavailable", "Try again in a moment"
