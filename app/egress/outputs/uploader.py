"""Storage writes of one output, in order, off the media thread."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

log = logging.getLogger(__name__)

ATTEMPTS = 3
RETRY_SECONDS = 0.5


class Store(Protocol):
    """The part of app/storage.Storage the egress writes through."""

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...


class Uploader:
    """Runs an output's writes one after another in a thread of its own, so a
    slow store delays that output's uploads, never the encode. A write that
    fails ``ATTEMPTS`` times calls ``failed(reason)`` once; later jobs are
    skipped (the output is failed)."""

    def __init__(self, store: Store, name: str, failed: Callable[[str], None]):
        self._store = store
        self._failed = failed
        self.broken = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"upload {name}")
        self._last: Future[None] | None = None

    def put(self, key: str, data: bytes, content_type: str,
            then: Callable[[], None] | None = None) -> None:
        """Store ``data`` at ``key``, then call ``then`` (in the upload thread)."""
        def job() -> None:
            if self.broken:
                return
            self._put(key, data, content_type)
            if then is not None and not self.broken:
                then()
        self._last = self._pool.submit(job)

    def delete(self, key: str) -> None:
        """Delete ``key`` after the writes queued so far. A failure is only
        logged: an object left behind costs storage, not the output."""
        def job() -> None:
            try:
                self._store.delete_prefix(key)
            except Exception as exc:
                log.warning("storage: %s not deleted: %s", key, exc)
        self._last = self._pool.submit(job)

    def run(self, step: Callable[[], None]) -> None:
        """Call ``step`` after the writes queued so far (unless broken)."""
        def job() -> None:
            if not self.broken:
                step()
        self._last = self._pool.submit(job)

    def close(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)

    def _put(self, key: str, data: bytes, content_type: str) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._store.put_bytes(key, data, content_type)
                return
            except Exception as exc:
                if attempt == ATTEMPTS:
                    log.error("storage: %s not written: %s", key, exc)
                    self.broken = True
                    self._failed(f"storage write of {key} failed: {exc}")
                    return
                log.warning("storage: %s (attempt %d): %s", key, attempt, exc)
                time.sleep(RETRY_SECONDS * attempt)
