"""The one background loop: a daemon thread that runs a pass, waits, and runs the next, until stopped.

Every long-running worker of the backend is one of these (the indexer, the periodic jobs, the airdrop
sender, a lease's heartbeat). A pass returns how long to wait before the next one (None: the loop's
interval); `wake()` cuts the wait short. A pass that raises never ends the thread: the error is logged
(or handed to `on_error`) and the next pass waits longer, doubling from the interval up to `max_backoff`,
because what failed (the database, the RPC node) is usually briefly away. A pass ends the loop for good
only by raising `Stop`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("resident.workers")


class Stop(Exception):
    """Raised by a pass to end its loop (e.g. a heartbeat whose lease was taken over)."""


class Loop:
    def __init__(self, name: str, step: Callable[[], float | None], interval: float, *,
                 max_backoff: float | None = None, first_wait: float = 0.0,
                 on_error: Callable[[Exception], None] | None = None) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.max_backoff = max(interval, max_backoff if max_backoff is not None else interval)
        self.first_wait = first_wait
        self.on_error = on_error
        self.last_error: str | None = None  # of the latest pass; None once a pass succeeds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _wait(self, seconds: float) -> None:
        self._wake.wait(max(0.0, seconds))

    def _run(self) -> None:
        if self.first_wait:
            self._wait(self.first_wait)
        backoff = self.interval
        while not self._stop.is_set():
            # Cleared before the pass, so a wake() that arrives during it makes the next wait return at once.
            self._wake.clear()
            try:
                delay = self.step()
                self.last_error = None
                backoff = self.interval
            except Stop:
                return
            except Exception as exc:  # noqa: BLE001 - see the module docstring: a failed pass is retried
                self.last_error = f"{type(exc).__name__}: {exc}"
                if self.on_error is not None:
                    try:
                        self.on_error(exc)
                    except Exception:  # noqa: BLE001 - the error handler itself must not end the loop
                        log.exception("%s: error handler failed", self.name)
                else:
                    log.exception("%s: pass failed", self.name)
                backoff = min(backoff * 2, self.max_backoff)
                delay = backoff
            if self._stop.is_set():
                return
            self._wait(self.interval if delay is None else delay)
