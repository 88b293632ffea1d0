"""The outbox loop: the transaction manager stepping in a background thread, on the worker kit (backend/workers).

It is one of Services.workers, which only the leader runs (backend/workers/leader.py; on SQLite every
process): the per-sender lease still makes sure only one of them signs and sends for a sender at a time.
"""

from __future__ import annotations

from backend.chain.outbox.manager import Manager
from backend.chain.outbox.queue import Outbox
from backend.workers.loop import Loop


def start_outbox(manager: Manager, outbox: Outbox | None = None, *, interval: float = 0.25) -> Loop:
    """Starts the manager's loop; an enqueue in this process wakes it at once."""
    loop = Loop("outbox", manager.step, interval, max_backoff=max(interval, 10.0))
    if outbox is not None:
        outbox.on_enqueue = loop.wake
    loop.start()
    return loop


class OutboxWorker:
    """The outbox loop as one of Services.workers (backend/app.py starts and stops them)."""

    def __init__(self, manager: Manager, outbox: Outbox, interval: float) -> None:
        self.manager, self.outbox, self.interval = manager, outbox, interval
        self.loop: Loop | None = None

    def start(self) -> None:
        if self.loop is None:
            self.loop = start_outbox(self.manager, self.outbox, interval=self.interval)

    def take_over(self) -> None:
        """Frees the senders' leases another manager holds: called by a newly elected leader (the previous one is
        gone), so its queued and sent transactions move on now, not when the lease runs out. A manager somehow
        still alive cannot assign a nonce: it renews its lease in the same transaction (manager.py)."""
        self.manager.lease.free_others()

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is not None:
            self.loop.stop(timeout)
            self.loop = None


def make_outbox_worker(settings, sessions, chain, *senders) -> OutboxWorker | None:
    """The outbox of `senders` (the issuer, the relayer; each set as its .outbox, so every Issuer.send, and the
    airdrop's batches, go through it), or None when RESIDENT_OUTBOX_ENABLED is off. A node-held key (no signer)
    keeps sending itself: the node signs only what it sends."""
    senders = [s for s in senders if s is not None and s.signer is not None]
    if not settings.outbox_enabled or not senders:
        return None
    outbox = Outbox(sessions, chain, settings.chain_id)
    # Final as the indexer counts it (RESIDENT_CONFIRMATIONS, from the chain's profile), its own block included.
    confirmations = settings.outbox_confirmations or settings.confirmations + 1
    manager = Manager(sessions, chain, senders, confirmations=confirmations, stuck_after=settings.outbox_stuck_after,
                      network=settings.network)
    for sender in senders:
        sender.outbox = outbox
    return OutboxWorker(manager, outbox, settings.poll_interval)
