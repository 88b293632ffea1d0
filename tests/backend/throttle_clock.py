"""A clock the sign-in throttle's counts run by (backend/auth/throttle.py), moved by the test instead of waiting.

limits' MemoryStorage stamps and reads its entries with `time.time()` of its own module, and DatabaseStorage
(PostgreSQL) with that of backend.auth.throttle: the test replaces both modules' `time` (and the throttle's
clock) with this one, so windows pass at once and two requests made
a few milliseconds apart see the very same second (answers compared byte for byte stay equal).
"""

from __future__ import annotations

import time

import limits.storage.memory

import backend.auth.throttle


class FrozenClock:
    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def freeze(monkeypatch, throttle) -> FrozenClock:
    """Stops the clock of `throttle` (a LoginThrottle, counting in memory or in the database) and returns it."""
    clock = FrozenClock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(backend.auth.throttle, "time", clock)
    throttle.clock = clock.time
    return clock
