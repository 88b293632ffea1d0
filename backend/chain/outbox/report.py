"""The outbox as staff read it: which of a municipality's transactions are pending, stuck, failed or done,
and whether each sender can still pay for what comes next. It only reads; the manager (manager.py) writes.

A row's *status* is what a person needs, not the manager's state: `signed`, `sent` and `mined` are all
"on its way" (pending) until a sent one has waited `stuck_after` seconds without a receipt, or was already
replaced with higher fees (bumped): then it is stuck. `failed` and `replaced` both mean it will never happen.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.chain.networks import Network, fee_quote
from backend.db.models_outbox import OPEN_STATES, OutboxTx

STATUSES = ("pending", "stuck", "failed", "confirmed")
FAILED_STATES = ("failed", "replaced")
# What one of the backend's transactions costs in gas until a sender has confirmed rows of its own to measure:
# an issue() with its card data is about 150k-200k.
TYPICAL_GAS = 200_000
MEASURED = 20  # the sender's last confirmed rows the typical gas is the median of


def status_of(row: OutboxTx, now: float, stuck_after: float) -> str:
    if row.state in FAILED_STATES:
        return "failed"
    if row.state == "confirmed":
        return "confirmed"
    if row.state == "sent" and (row.attempts > 1 or (row.sent_at is not None and now - row.sent_at >= stuck_after)):
        return "stuck"
    return "pending"  # queued, signed, mined (waiting for confirmations), or sent and not yet overdue


def _stuck(now: float, stuck_after: float):
    return and_(OutboxTx.state == "sent", or_(OutboxTx.attempts > 1, OutboxTx.sent_at <= now - stuck_after))


def rows_of(session: Session, municipality_id: int, *, now: float, stuck_after: float, status: str | None = None,
            limit: int = 100) -> list[OutboxTx]:
    """The municipality's rows, newest first. With no `status`: every open one (up to `limit`: a pending
    transaction is never pushed out by old ones) and the newest `limit` finished ones."""
    mine = select(OutboxTx).where(OutboxTx.municipality_id == municipality_id)
    newest = lambda query: list(session.scalars(query.order_by(OutboxTx.id.desc()).limit(limit)))  # noqa: E731
    if status == "failed":
        return newest(mine.where(OutboxTx.state.in_(FAILED_STATES)))
    if status == "confirmed":
        return newest(mine.where(OutboxTx.state == "confirmed"))
    if status == "stuck":
        return newest(mine.where(_stuck(now, stuck_after)))
    open_rows = newest(mine.where(OutboxTx.state.in_(("queued", *OPEN_STATES))))
    if status == "pending":
        return [row for row in open_rows if status_of(row, now, stuck_after) == "pending"]
    done = newest(mine.where(OutboxTx.state.in_(("confirmed", *FAILED_STATES))))
    return sorted(open_rows + done, key=lambda row: row.id, reverse=True)


def typical_gas(session: Session, sender: str) -> int:
    """The median gas of the sender's last confirmed transactions (cancels aside), else TYPICAL_GAS."""
    used = list(session.scalars(select(OutboxTx.gas_used).where(
        OutboxTx.sender == sender, OutboxTx.state == "confirmed", OutboxTx.purpose != "cancel",
        OutboxTx.gas_used.is_not(None)).order_by(OutboxTx.id.desc()).limit(MEASURED)))
    return int(statistics.median(used)) if used else TYPICAL_GAS


def price_per_gas(chain, network: Network) -> int:
    """What a transaction sent now may pay per gas at most (maxFeePerGas, or gasPrice on a legacy chain)."""
    quote = fee_quote(chain, network)
    return quote.get("maxFeePerGas", quote.get("gasPrice", 0))


@dataclass(frozen=True)
class Funds:
    """A sender's balance against what its transactions cost. `low`: it pays for fewer than `wanted`
    typical transactions at today's fee, or holds less than `floor_wei`."""

    balance_wei: int
    cost_wei: int  # one typical transaction at today's fee
    threshold_wei: int
    low: bool

    @property
    def transactions_left(self) -> int | None:
        return self.balance_wei // self.cost_wei if self.cost_wei else None


def funds(balance_wei: int, gas: int, price: int, *, wanted: int, floor_wei: int) -> Funds:
    cost = gas * price
    threshold = max(floor_wei, wanted * cost)
    return Funds(balance_wei, cost, threshold, balance_wei < threshold)
