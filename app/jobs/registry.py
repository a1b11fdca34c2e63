from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JobHandler = Callable[[dict[str, Any]], None]
BatchHandler = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class Batched:
    """A kind whose due jobs the worker takes up to ``size`` at a time."""

    handler: BatchHandler
    size: int


_handlers: dict[str, JobHandler] = {}
_batched: dict[str, Batched] = {}


def job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the function that runs jobs of ``kind``. It gets the payload,
    runs inside an app context with its own transaction, and raises to retry."""

    def register(fn: JobHandler) -> JobHandler:
        _check_new(kind, fn)
        _handlers[kind] = fn
        return fn

    return register


def batch_job_handler(kind: str, size: int = 100) -> Callable[[BatchHandler], BatchHandler]:
    """Register the function that runs the due jobs of ``kind`` together: it
    gets up to ``size`` payloads at once, oldest first (the kinds whose jobs
    are many and small, where taking each alone would cost more than its
    work). Raising retries them all."""

    def register(fn: BatchHandler) -> BatchHandler:
        _check_new(kind, fn)
        _batched[kind] = Batched(fn, size)
        _handlers[kind] = lambda payload: fn([payload])
        return fn

    return register


def _check_new(kind: str, fn: Any) -> None:
    registered = _batched[kind].handler if kind in _batched else _handlers.get(kind)
    if registered is not None and registered is not fn:
        raise RuntimeError(f"two handlers for job kind {kind!r}")


def handler_for(kind: str) -> JobHandler | None:
    return _handlers.get(kind)


def batched(kind: str) -> Batched | None:
    return _batched.get(kind)


def known_kinds() -> list[str]:
    return sorted(_handlers)
