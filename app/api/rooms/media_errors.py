"""The media controls' own refusal: Eyeson's 406 NOT ACCEPTABLE for a
recording or broadcast started while one runs already."""

from __future__ import annotations

from app.errors import AppError


class NotAcceptable(AppError):
    status, code, default_message = 406, "not_acceptable", "Already running"
