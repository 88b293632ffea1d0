"""The chain's head for many concurrent askers, one eth_blockNumber at a time ("single flight").

A venue's scan says whether the index is behind the chain at the time of the check, so the head it
compares with must come from a read that STARTED after the scan arrived: a cached head, or a read
already in flight, could predate a transfer the index has not seen. Under load the scans share reads:
at most one read is in flight per event loop; whoever asks while it runs joins the next read, which
starts the moment it ends and answers all of them. A scan thus waits at most two round trips to the
node, and the node sees at most one eth_blockNumber per round trip however many desks scan.

The read runs in a thread (the RPC client is blocking) and starts when `ask` is called, so the caller's
database work overlaps it. A head that cannot be read in time is None: the caller must then assume the
index is behind.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from backend.errors import ChainError

log = logging.getLogger("resident")


@dataclass
class _Flights:
    running: asyncio.Future | None = None  # the read in flight
    waiting: asyncio.Future | None = None  # the read that starts when it ends (its askers came later)


class SharedHead:
    """`ask()` → an awaitable of the head block number (or None) from a read begun no earlier than the call."""

    def __init__(self, read: Callable[[], int], timeout: float = 1.0) -> None:
        self._read = read
        self.timeout = timeout
        # Per event loop: futures belong to one loop (each uvicorn worker has one; tests start several).
        self._flights: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flights] = weakref.WeakKeyDictionary()

    def ask(self) -> asyncio.Future:
        """Call on the event loop: joins or starts a read that begins now or later; await the answer."""
        loop = asyncio.get_running_loop()
        flights = self._flights.setdefault(loop, _Flights())
        if flights.running is None:
            flights.running = shared = loop.create_future()
            self._start(loop, flights, shared)
        else:
            if flights.waiting is None:
                flights.waiting = loop.create_future()
            shared = flights.waiting
        return asyncio.ensure_future(self._answer(shared))

    def _start(self, loop, flights: _Flights, shared: asyncio.Future) -> None:
        work = loop.run_in_executor(None, self._read_or_none)

        def finished(done: asyncio.Future) -> None:
            if not shared.done():
                shared.set_result(None if done.cancelled() else done.result())
            flights.running, following = flights.waiting, flights.waiting
            flights.waiting = None
            if following is not None:
                self._start(loop, flights, following)

        work.add_done_callback(finished)

    def _read_or_none(self) -> int | None:
        try:
            return self._read()
        except (ChainError, TypeError, ValueError) as exc:  # unreachable node, or an answer that is no number
            log.warning("chain head unreadable: %s", type(exc).__name__)
            return None

    async def _answer(self, shared: asyncio.Future) -> int | None:
        try:
            return await asyncio.wait_for(asyncio.shield(shared), self.timeout)
        except TimeoutError:
            return None
