"""The one transaction manager: every transaction the backend sends goes through the outbox.

- `queue.Outbox.enqueue` simulates the call (a revert is refused, decoded, nothing stored) and stores it
  once per idempotency key; `Outbox.wait` follows it to its receipt.
- `manager.Manager.step` (run by the leader only, under each sender's lease) assigns nonces from the
  sender's sequence in the database, signs, records the signed raw BEFORE broadcasting, broadcasts,
  watches receipts, bumps the fee of a stuck transaction, resubmits one the node forgot, records a mined
  revert as failed and fills a nonce whose transaction could never be sent with a cancel.
A kill at any point leaves the row in a state the next step continues from: nothing is lost, and since a
nonce is only ever signed once per fee, nobody is issued twice.
"""

from backend.chain.outbox.manager import Manager
from backend.chain.outbox.queue import Outbox, OutboxFailed

__all__ = ["Manager", "Outbox", "OutboxFailed"]
