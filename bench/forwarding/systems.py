"""The interface of a system under test, as ``bench/sfu.py`` drives it.

A system is started, gets one publisher, then subscribers; the bench reads the CPU and memory
of the process tree under ``pid()`` from /proc, and the clients' counters. The systems:
``janus.py``, ``relay.py``, ``confera.py``.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import ClassVar

from bench.forwarding.processes import LOOPBACK, ClientProcess


class Subscriber:
    """One subscriber's peer in a client process. ``joined_at`` (time.monotonic(), a clock
    every process shares) is when its join began; the client process records its counters
    and first decoded frame under ``peer``."""

    def __init__(self, client: ClientProcess, peer: str, joined_at: float) -> None:
        self.client = client
        self.peer = peer
        self.joined_at = joined_at

    async def leave(self) -> None:
        await self.client.call("close", peer=self.peer)


class System(abc.ABC):
    """A forwarding system under test.

    ``start`` starts its processes; ``publish`` connects the publisher (the clip, in
    ``client``); each ``subscribe`` joins one more subscriber in ``client`` and returns once
    signalling is done (media may still be on its way); ``pid`` is the process whose tree's
    CPU and memory are its cost; ``stop`` stops everything ``start`` started."""

    name: ClassVar[str]
    description: ClassVar[str]
    client_address = LOOPBACK  # the address the clients gather ICE candidates on

    @abc.abstractmethod
    async def start(self, log_dir: Path) -> None: ...

    @abc.abstractmethod
    async def publish(self, client: ClientProcess) -> None: ...

    @abc.abstractmethod
    async def subscribe(self, client: ClientProcess, decode: bool) -> Subscriber: ...

    @abc.abstractmethod
    def pid(self) -> int: ...

    @abc.abstractmethod
    async def stop(self) -> None: ...

    @abc.abstractmethod
    def version(self) -> str: ...
