"""A clock the test moves by hand, for leases and jobs: time passes when the test says so, not when a
sleep on a busy machine happens to end."""

from __future__ import annotations

import threading


class ManualClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class WholeSecondsClock(ManualClock):
    """For leases kept in whole Unix seconds (integer columns)."""

    def __call__(self) -> int:
        return int(super().__call__())
