"""Putting a transaction into the outbox, and following it to its receipt."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from backend.chain.client import Chain, ContractReverted
from backend.db.models_outbox import OutboxTx
from backend.errors import ChainError


class OutboxFailed(Exception):
    """The transaction's row ended failed or replaced; `row` says why (error_code, error)."""

    def __init__(self, row: OutboxTx) -> None:
        self.row = row
        super().__init__(f"outbox transaction {row.id} ({row.purpose}) {row.state}: {row.error or row.error_code}")


def errors_of(abi) -> list[dict]:
    return [item for item in (abi or []) if item.get("type") == "error"]


class Outbox:
    def __init__(self, sessions: sessionmaker, chain: Chain, chain_id: int, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.sessions = sessions
        self.chain = chain
        self.chain_id = chain_id
        self.clock = clock
        self.on_enqueue: Callable[[], None] | None = None  # wakes the manager's loop in this process

    def enqueue(self, idempotency_key: str, *, sender: str, to: str | None, data: str = "0x", value: int = 0,
                gas: int | None = None, purpose: str = "", abi=(), municipality_id: int | None = None) -> OutboxTx:
        """The row of `idempotency_key`: the existing one when the key was seen before (a retried request never
        sends twice), else a new queued one, after a simulation the call passed.

        A call that would revert raises ContractReverted (decoded with `abi`) and stores nothing."""
        existing = self.get_by_key(idempotency_key)
        if existing is not None:
            return existing
        sender = to_checksum_address(sender)
        call = {"from": sender, "value": hex(value), "data": data}
        if to:
            call["to"] = to_checksum_address(to)
        errors = errors_of(abi)
        self.chain.eth_call(call, errors, purpose or "eth_call")  # raises ContractReverted
        estimated = gas or int(self.chain.estimate_gas(call, errors, purpose or "eth_estimateGas") * 1.2) + 10_000
        now = self.clock()
        row = OutboxTx(idempotency_key=idempotency_key, chain_id=self.chain_id, sender=sender,
                       to=call.get("to"), data=data, value=str(value), gas=estimated, purpose=purpose,
                       errors_abi=json.dumps(errors), state="queued", municipality_id=municipality_id,
                       attempts=0, created_at=now, updated_at=now)
        try:
            with self.sessions() as session:
                session.add(row)
                session.commit()
                session.refresh(row)
                session.expunge(row)
        except IntegrityError:  # the same key enqueued concurrently: theirs is the one
            return self.get_by_key(idempotency_key)
        if self.on_enqueue is not None:
            self.on_enqueue()
        return row

    def get(self, row_id: int) -> OutboxTx | None:
        with self.sessions() as session:
            row = session.get(OutboxTx, row_id)
            if row is not None:
                session.expunge(row)
            return row

    def get_by_key(self, idempotency_key: str) -> OutboxTx | None:
        with self.sessions() as session:
            row = session.scalars(select(OutboxTx).where(OutboxTx.idempotency_key == idempotency_key)).first()
            if row is not None:
                session.expunge(row)
            return row

    def wait(self, row_id: int, timeout: float, *, poll: float = 0.05,
             on_sent: Callable[[str], None] | None = None, until: str = "mined") -> OutboxTx:
        """The row once mined (or confirmed; until="confirmed": once final, which a reorganisation can put
        off); OutboxFailed if it failed; ChainError after `timeout`."""
        deadline = time.monotonic() + timeout
        reached = ("confirmed",) if until == "confirmed" else ("mined", "confirmed")
        told = None
        while True:
            row = self.get(row_id)
            if row.tx_hash and row.state in ("sent", "mined", "confirmed") and told != row.tx_hash and on_sent:
                told = row.tx_hash
                on_sent(row.tx_hash)
            if row.state in reached:
                return row
            if row.state in ("failed", "replaced"):
                raise OutboxFailed(row)
            if time.monotonic() > deadline:
                raise ChainError(self.chain.rpc_url, f"outbox transaction {row_id} not {until} after "
                                                     f"{timeout:.0f} s (state {row.state})")
            time.sleep(poll)


__all__ = ["Outbox", "OutboxFailed", "ContractReverted"]
