"""The tasks an object of the node starts and must end (STYLE.md rule 8): a
``Session`` and each ``Participant`` keep theirs in an ``OwnedTasks``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class OwnedTasks:
    """Each task is kept until it ends, and logged if it fails;
    ``cancel_all`` cancels and awaits those still running."""

    def __init__(self, owner: str) -> None:
        self._owner = owner  # for the log: "session <id>", "participant <id>"
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    async def cancel_all(self) -> None:
        """Cancel every task still running (but the caller's own) and wait for them."""
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: %s failed", self._owner, task.get_name(), exc_info=task.exception())
