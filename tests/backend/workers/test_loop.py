"""The worker loop (backend/workers/loop.py): a failed pass never ends the thread and makes the next wait
longer (doubling up to a ceiling), wake() cuts a wait short, Stop from a pass ends it, stop() joins."""

from __future__ import annotations

import threading
import time

from backend.workers.loop import Loop, Stop


class RecordingLoop(Loop):
    """Records the waits the loop asks for and waits only a moment, so a test sees the schedule at once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.waits: list[float] = []

    def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        super()._wait(0.001)


def wait_for(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.005)


def test_failed_passes_back_off_and_never_end_the_thread():
    calls, errors = [], []

    def step():
        calls.append(len(calls))
        if len(calls) <= 4:
            raise RuntimeError(f"database away ({len(calls)})")
        if len(calls) == 6:
            raise Stop
        return None

    loop = RecordingLoop("test-loop", step, 1.0, max_backoff=5.0, on_error=errors.append)
    loop.start()
    wait_for(lambda: not loop.running, "the pass raised Stop")
    loop.stop()
    assert len(calls) == 6
    assert [str(e) for e in errors] == [f"database away ({n})" for n in (1, 2, 3, 4)]
    # Doubling from the interval up to the ceiling; back to the interval after a pass succeeds.
    assert loop.waits == [2.0, 4.0, 5.0, 5.0, 1.0]
    assert loop.last_error is None


def test_a_pass_chooses_its_next_wait_and_the_error_is_kept_until_a_pass_succeeds():
    results = iter([0.5, RuntimeError("rpc down"), None])
    seen = []

    def step():
        value = next(results, Stop())
        if isinstance(value, Exception):
            raise value
        return value

    loop = RecordingLoop("test-loop", step, 3.0, on_error=lambda exc: seen.append(loop.last_error))
    loop.start()
    wait_for(lambda: not loop.running, "the loop ended")
    assert seen == ["RuntimeError: rpc down"]
    assert loop.waits == [0.5, 3.0, 3.0]  # the pass's own choice; the backoff (ceiling = interval); the interval


def test_an_error_without_a_handler_is_logged_and_the_loop_goes_on(caplog):
    calls = []

    def step():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("boom")
        raise Stop

    loop = RecordingLoop("logged-loop", step, 0.1)
    with caplog.at_level("ERROR", logger="resident.workers"):
        loop.start()
        wait_for(lambda: not loop.running, "the loop ended")
    assert len(calls) == 2
    assert any("logged-loop" in r.getMessage() and r.exc_info for r in caplog.records)


def test_wake_cuts_a_wait_short_and_stop_joins_the_thread():
    passes = threading.Semaphore(0)
    loop = Loop("test-loop", lambda: passes.release(), 3600.0)
    loop.start()
    try:
        assert passes.acquire(timeout=10)  # the first pass runs at once
        assert not passes.acquire(timeout=0.2)  # then it waits its interval
        loop.wake()
        assert passes.acquire(timeout=10)
    finally:
        loop.stop(timeout=10)
    assert not loop.running


def test_first_wait_delays_the_first_pass_and_stop_ends_the_wait():
    ran = []
    loop = Loop("test-loop", lambda: ran.append(1), 3600.0, first_wait=3600.0)
    loop.start()
    assert loop.running
    time.sleep(0.1)
    started = time.monotonic()
    loop.stop(timeout=10)
    assert time.monotonic() - started < 5 and ran == [] and not loop.running
