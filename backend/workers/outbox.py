"""The outbox loop: the leader's transaction manager (backend/chain/outbox) stepping in a background thread."""

from __future__ import annotations

from backend.chain.outbox import Manager, Outbox
from backend.workers.loop import Loop


def start_outbox(manager: Manager, outbox: Outbox | None = None, *, interval: float = 0.25) -> Loop:
    """Starts the manager's loop; an enqueue in this process wakes it at once."""
    loop = Loop("outbox", manager.step, interval, max_backoff=max(interval, 10.0))
    if outbox is not None:
        outbox.on_enqueue = loop.wake
    loop.start()
    return loop
