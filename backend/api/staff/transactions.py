"""The municipality's transactions in the outbox (backend/chain/outbox), read by its staff: pending, stuck,
failed and recently confirmed, each with what it was for, its explorer link and, for a failure, why in plain
words; and each key that pays for them, with its balance and a warning when it runs low."""

from __future__ import annotations

import re
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from backend.api.deps import HealthChainDep, OptionalIssuerDep, ServicesDep, SessionDep, SettingsDep, Viewer
from backend.campaigns.reasons import for_revert
from backend.chain.networks import known
from backend.chain.outbox.report import FAILED_STATES, funds, price_per_gas, rows_of, status_of, typical_gas
from backend.db.models_outbox import OutboxTx
from backend.db.models_sponsorship import SponsorshipPolicy
from backend.errors import ChainError
from backend.messages import Texts, message, placeholders, texts

router = APIRouter(prefix="/staff", tags=["staff"])

# The manager's error codes that no contract error explains (backend/chain/outbox/manager.py).
OUTBOX_FAILURES = {"broadcast_refused": "tx_broadcast_refused", "nonce_taken": "tx_nonce_taken"}
ERROR_NAME = re.compile(r"^([A-Za-z_]\w*)(?:\(|$)")


class TransactionOut(BaseModel):
    id: int
    purpose: str = Field(description="The contract function, or cancel (a nonce filled after a refusal)")
    status: Literal["pending", "stuck", "failed", "confirmed"] = Field(
        description="pending: on its way; stuck: sent, no receipt after RESIDENT_OUTBOX_STUCK_AFTER s or already "
                    "replaced with higher fees; failed: will never happen; confirmed: done")
    state: str = Field(description="The outbox's own state (queued, signed, sent, mined, confirmed, failed, replaced)")
    chain_id: int
    sender: str
    tx_hash: str | None = Field(description="The current attempt's hash; null before it is signed")
    tx_url: str | None = Field(description="The hash's page on the chain's block explorer; null without one")
    nonce: int | None
    attempts: int = Field(description="Signed attempts: more than one means its fee was raised (bumped)")
    bumped: bool
    block_number: int | None
    error_code: str | None
    error: str | None = Field(description="The decoded custom error of a failed transaction, as the contract names it")
    problem_ja: str | None = Field(description="Why it failed, in plain words (null unless failed)")
    problem_en: str | None
    created_at: float
    updated_at: float
    sent_at: float | None


class SenderOut(BaseModel):
    role: Literal["issuer", "relayer"] = Field(description="issuer: cards, renewals, campaigns; relayer: the claim "
                                               "fees the municipality pays for residents (sponsorship on)")
    address: str
    address_url: str | None = Field(description="The address's page on the block explorer; null without one")
    balance_wei: str | None = Field(description="null when the node could not be asked")
    cost_wei: str | None = Field(description="One typical transaction of this key at today's fee")
    threshold_wei: str | None = Field(description="Below this the key is low: RESIDENT_OUTBOX_LOW_BALANCE_TRANSACTIONS "
                                      "typical transactions, at least RESIDENT_OUTBOX_LOW_BALANCE_WEI")
    transactions_left: int | None = Field(description="About how many typical transactions the balance pays for")
    low: bool


class TransactionsOut(BaseModel):
    chain_id: int
    network_ja: str
    network_en: str
    symbol: str = Field(description="The chain's own currency the keys pay fees in (POL, ETH, JOC…)")
    explorer: str | None = Field(description="The chain's block explorer, or null (a local chain has none)")
    stuck_after: float = Field(description="Seconds a sent transaction waits for a receipt before it counts as stuck")
    transactions: list[TransactionOut]
    senders: list[SenderOut]


def failure_words(row: OutboxTx) -> Texts | None:
    """Why `row` failed, from the catalogue: the contract's custom error as the campaign and card texts say
    it, else the manager's reason; None when it did not fail or nothing plainer than `error` is known."""
    if row.state not in FAILED_STATES:
        return None
    if row.error_code in OUTBOX_FAILURES:
        return texts(OUTBOX_FAILURES[row.error_code])
    if row.error_code != "reverted":
        return None
    found = ERROR_NAME.match(row.error or "")
    name = found.group(1) if found else None
    code = for_revert(name)[0] if name else "transaction_refused"
    entry = message(code)
    if (placeholders(entry.ja) | placeholders(entry.en)) - {"error"}:  # needs values only the claim check has
        code = "transaction_refused"
    return texts(code, "revert_name" if name else None, error=name)


def transaction_out(row: OutboxTx, network, now: float, stuck_after: float) -> TransactionOut:
    words = failure_words(row)
    return TransactionOut(
        id=row.id, purpose=row.purpose, status=status_of(row, now, stuck_after), state=row.state,
        chain_id=row.chain_id, sender=row.sender, tx_hash=row.tx_hash,
        tx_url=network.tx_url(row.tx_hash) if network is not None and row.tx_hash else None, nonce=row.nonce,
        attempts=row.attempts, bumped=row.attempts > 1, block_number=row.block_number, error_code=row.error_code,
        error=row.error, problem_ja=words.ja if words else None, problem_en=words.en if words else None,
        created_at=row.created_at, updated_at=row.updated_at, sent_at=row.sent_at)


def senders_of(session: Session, municipality_id: int, services, issuer) -> list[tuple[str, object]]:
    """The keys that pay for this municipality's transactions: the issuer, and the relayer while the
    municipality pays residents' claim fees. The voucher signer signs vouchers only and pays for nothing."""
    keys = [("issuer", issuer)] if issuer is not None else []
    relayer = getattr(services, "relayer", None)
    policy = session.get(SponsorshipPolicy, municipality_id)
    if relayer is not None and policy is not None and policy.enabled:
        keys.append(("relayer", relayer))
    return keys


@router.get("/municipalities/{municipality_id}/transactions", response_model=TransactionsOut,
            summary="The municipality's transactions (pending, stuck, failed, confirmed) and its keys' balances")
def read_transactions(municipality_id: int, staff: Viewer, session: SessionDep, settings: SettingsDep,
                      services: ServicesDep, issuer: OptionalIssuerDep, chain: HealthChainDep,
                      state: Annotated[Literal["pending", "stuck", "failed", "done"] | None, Query(
                          description="Only these; none: every open one and the newest finished ones")] = None,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> TransactionsOut:
    """Newest first. Balances are read from the chain now; a node that does not answer leaves them null."""
    now = time.time()
    network = settings.network
    status = {"done": "confirmed"}.get(state, state)
    rows = rows_of(session, municipality_id, now=now, stuck_after=settings.outbox_stuck_after, status=status,
                   limit=limit)
    shown = []
    for row in rows:
        profile = network if row.chain_id == network.chain_id else known(row.chain_id)
        shown.append(transaction_out(row, profile, now, settings.outbox_stuck_after))
    senders = []
    price = None
    for role, key in senders_of(session, municipality_id, services, issuer):
        try:
            balance = chain.balance(key.address)
            if price is None:
                price = price_per_gas(chain, network)
        except ChainError:
            senders.append(SenderOut(role=role, address=key.address, address_url=network.address_url(key.address),
                                     balance_wei=None, cost_wei=None, threshold_wei=None, transactions_left=None,
                                     low=False))
            continue
        found = funds(balance, typical_gas(session, key.address), price,
                      wanted=settings.outbox_low_balance_transactions, floor_wei=settings.outbox_low_balance_wei)
        senders.append(SenderOut(role=role, address=key.address, address_url=network.address_url(key.address),
                                 balance_wei=str(found.balance_wei), cost_wei=str(found.cost_wei),
                                 threshold_wei=str(found.threshold_wei), transactions_left=found.transactions_left,
                                 low=found.low))
    return TransactionsOut(chain_id=network.chain_id, network_ja=network.name_ja, network_en=network.name_en,
                           symbol=network.symbol, explorer=network.explorer, stuck_after=settings.outbox_stuck_after,
                           transactions=shown, senders=senders)

