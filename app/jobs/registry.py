from __future__ import annotations

from collections.abc import Callable
from typing import Any

JobHandler = Callable[[dict[str, Any]], None]

_handlers: dict[str, JobHandler] = {}


def job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of ``kind``. It gets the payload,
    runs inside an app context with its own transaction, and raises to retry."""

    def register(fn: JobHandler) -> JobHandler:
        if kind in _handlers and _handlers[kind] is not fn:
            raise RuntimeError(f"two handlers for job kind {kind!r}")
        _handlers[kind] = fn
        return fn

    return register


def handler_for(kind: str) -> JobHandler | None:
    return _handlers.get(kind)


def known_kinds() -> list[str]:
    return sorted(_handlers)
