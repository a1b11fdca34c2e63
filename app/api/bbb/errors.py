"""The BBB dialect's own errors: what BBB answers with a messageKey that no
domain error stands for (checksumError, missingParamMeetingID ...)."""

from __future__ import annotations

from app.errors import AppError


class BbbError(AppError):
    """A FAILED answer with BBB's ``messageKey`` and ``message``."""

    status = 200  # BBB answers API-level errors with HTTP 200 and a FAILED body
    code = "bbb_error"

    def __init__(self, message_key: str, message: str):
        super().__init__(message)
        self.message_key = message_key


def checksum_error() -> BbbError:
    return BbbError("checksumError", "You did not pass the checksum security check")


def missing_param(name: str) -> BbbError:
    """BBB's key for a required parameter left out (or empty): missingParam<Name>."""
    return BbbError(f"missingParam{name[0].upper()}{name[1:]}",
                    f"You must specify a parameter {name}")


def not_found() -> BbbError:
    return BbbError("notFound", "We could not find a meeting with that meeting ID - "
                                "perhaps the meeting is not yet running?")


def invalid_password() -> BbbError:
    return BbbError("invalidPassword", "You either did not supply a password or the password "
                    "supplied is neither the attendee or moderator password for this conference.")
