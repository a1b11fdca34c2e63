"""Limits on failures: wrong PINs, wrong passwords, addresses that name no
room. flask-limiter counts every call of a route (``RATELIMIT_*`` per
client address); these count only the answers that tell an attacker
something, and are built so that a burst of concurrent guesses gets no more
of those answers than the limit:

1. before the guarded work, a spent limit refuses at once (429);
2. a failure is counted with one atomic increment, and the failure that
   goes past the limit is answered 429, not with what it found out;
3. after a success the limit is looked at again: if concurrent failures
   spent it meanwhile, the success is refused too (429), so that a right
   guess is never told apart from a wrong one once the limit is spent.

Legitimate calls cost two reads and write nothing. All counters are in the
shared storage (app/core/rate_limit_storage.py), so every process and
replica sees the same counts.

``FailureLimit``: fixed windows ("10 per minute; 100 per hour") per key.
``Backoff``: per key, after some free failures each further one makes the
next attempt wait twice as long as the last (1 s, 2 s, 4 s ... up to a
cap); a success starts the key afresh.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from flask import request
from flask.typing import ResponseReturnValue
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter

from app.errors import AppError, NotFound, RateLimited
from app.extensions import limiter, settings

# Failures of a backing-off key are forgotten this long after the first.
BACKOFF_MEMORY_SECONDS = 24 * 3600

View = Callable[..., ResponseReturnValue]


def client_address() -> str:
    """The client's address: the peer, or behind TRUSTED_PROXIES what they
    report (app/core/proxies.py rewrote REMOTE_ADDR)."""
    return request.remote_addr or "unknown"


def too_many(retry_after: float, what: str) -> RateLimited:
    error = RateLimited(f"Too many {what}; try again in {max(1, math.ceil(retry_after))} s")
    error.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return error


@dataclass(frozen=True)
class FailureLimit:
    """Failures counted per key in fixed windows; the limits are read from
    the setting ``setting`` (e.g. ``"10 per minute"``) when a call comes."""

    name: str  # the counters' namespace, and what the 429 says there were too many of
    setting: str
    counts: Callable[[AppError], bool]  # which errors are failures

    @contextmanager
    def guard(self, *keys: str) -> Iterator[None]:
        """Run the guarded block as one attempt for each of ``keys``."""
        items = parse_many(str(getattr(settings(), self.setting)))
        counters = [(item, key) for key in keys for item in items]
        strategy = FixedWindowRateLimiter(limiter.storage)
        self._refuse_if_spent(strategy, counters)
        try:
            yield
        except AppError as error:
            if self.counts(error):
                spent = [(item, key) for item, key in counters
                         if not strategy.hit(item, self.name, key)]
                if spent:
                    raise self._too_many(strategy, spent) from error
            raise
        self._refuse_if_spent(strategy, counters)

    def _refuse_if_spent(self, strategy: FixedWindowRateLimiter,
                         counters: Sequence[tuple[RateLimitItem, str]]) -> None:
        spent = [(item, key) for item, key in counters
                 if not strategy.test(item, self.name, key)]
        if spent:
            raise self._too_many(strategy, spent)

    def _too_many(self, strategy: FixedWindowRateLimiter,
                  spent: Sequence[tuple[RateLimitItem, str]]) -> RateLimited:
        reset = max(strategy.get_window_stats(item, self.name, key).reset_time
                    for item, key in spent)
        return too_many(reset - time.time(), self.name)


def limit_failures(limit: FailureLimit, keys: Callable[[], Sequence[str]]
                   ) -> Callable[[View], View]:
    """A view decorator: each call is one attempt for each of ``keys()``
    (none: not guarded)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: object, **kwargs: object) -> ResponseReturnValue:
            with limit.guard(*keys()):
                return view(*args, **kwargs)

        return guarded

    return decorate


# Room addresses that name no room (the meeting page, the join API), per
# client: the room codes cannot be walked through.
ROOM_NOT_FOUND = FailureLimit("addresses that name no room", "ratelimit_not_found",
                              counts=lambda error: isinstance(error, NotFound))


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff per key: ``after()`` failures are free; each
    further one makes the next attempt wait 1 s, then 2 s, 4 s ... at most
    ``longest()`` s. A success clears the key. Keys are hashed: they may
    name a person (an email)."""

    name: str
    counts: Callable[[AppError], bool]
    after: Callable[[], int]
    longest: Callable[[], int]

    @contextmanager
    def guard(self, key: str) -> Iterator[None]:
        storage = limiter.storage
        failures, wait = self._counters(key)
        self._refuse_while_waiting(wait)
        try:
            yield
        except AppError as error:
            if self.counts(error):
                count = storage.incr(failures, BACKOFF_MEMORY_SECONDS)
                beyond = count - self.after()
                if beyond > 0:
                    delay = min(2 ** min(beyond - 1, 30), self.longest())
                    # One failure at a time may set the wait; one that finds it
                    # set by a concurrent failure is not answered.
                    if storage.incr(wait, delay) > 1:
                        raise too_many(storage.get_expiry(wait) - time.time(),
                                       self.name) from error
            raise
        self._refuse_while_waiting(wait)  # concurrent failures may have set it meanwhile
        if storage.get(failures) > 0:  # most successes have nothing to forget: no writes
            self.forget(key)

    def forget(self, key: str) -> None:
        """Start ``key`` afresh: no failures, no wait."""
        for counter in self._counters(key):
            limiter.storage.clear(counter)

    def _counters(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(f"{self.name}:{key}".encode()).hexdigest()[:40]
        return f"backoff/{digest}/failures", f"backoff/{digest}/wait"

    def _refuse_while_waiting(self, wait: str) -> None:
        storage = limiter.storage
        if storage.get(wait) > 0:
            raise too_many(storage.get_expiry(wait) - time.time(), self.name)
