"""The municipality's transactions in the outbox (backend/chain/outbox), read by its staff: pending, stuck
and failed, with each sender's balance and a warning when it runs low."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import OptionalIssuerDep, SessionDep, SettingsDep, Viewer
from backend.db.models_outbox import OutboxTx
from backend.errors import ChainError

router = APIRouter(prefix="/staff", tags=["staff"])

STATES = {"pending": ("queued", "signed", "sent", "mined"), "stuck": ("sent",), "failed": ("failed", "replaced"),
          "done": ("confirmed",)}


class TransactionOut(BaseModel):
    id: int
    purpose: str = Field(description="The contract function, or cancel (a nonce filled after a refusal)")
    state: str
    chain_id: int
    tx_hash: str | None = Field(description="The current attempt's hash (an explorer link: chain_id + hash)")
    nonce: int | None
    attempts: int
    error_code: str | None
    error: str | None = Field(description="The decoded custom error of a failed transaction")
    created_at: float
    sent_at: float | None


class SenderOut(BaseModel):
    address: str
    balance_wei: str | None = Field(description="null when the node could not be asked")
    low: bool


class TransactionsOut(BaseModel):
    transactions: list[TransactionOut]
    senders: list[SenderOut]


@router.get("/municipalities/{municipality_id}/transactions", response_model=TransactionsOut,
            summary="The municipality's transactions in the outbox (pending, stuck, failed)")
def read_transactions(municipality_id: int, staff: Viewer, session: SessionDep, settings: SettingsDep,
                      issuer: OptionalIssuerDep,
                      state: Annotated[Literal["pending", "stuck", "failed", "done"] | None, Query()] = None,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> TransactionsOut:
    """Newest first; stuck: sent and not mined for longer than RESIDENT_OUTBOX_STUCK_AFTER."""
    query = select(OutboxTx).where(OutboxTx.municipality_id == municipality_id)
    if state is not None:
        query = query.where(OutboxTx.state.in_(STATES[state]))
    if state == "stuck":
        query = query.where(OutboxTx.sent_at <= time.time() - settings.outbox_stuck_after)
    rows = session.scalars(query.order_by(OutboxTx.id.desc()).limit(limit)).all()
    senders = []
    if issuer is not None:
        try:
            balance = issuer.chain.balance(issuer.address)
        except ChainError:
            balance = None
        senders.append(SenderOut(address=issuer.address, balance_wei=None if balance is None else str(balance),
                                 low=balance is not None and balance < settings.outbox_low_balance_wei))
    return TransactionsOut(transactions=[TransactionOut(
        id=r.id, purpose=r.purpose, state=r.state, chain_id=r.chain_id, tx_hash=r.tx_hash, nonce=r.nonce,
        attempts=r.attempts, error_code=r.error_code, error=r.error, created_at=r.created_at, sent_at=r.sent_at)
        for r in rows], senders=senders)
