"""The transaction outbox: every transaction the backend sends, recorded before the node sees it.

One row per intended transaction (`outbox_txs`), one per signed attempt at its nonce (`outbox_attempts`:
a fee-bumped replacement is a second attempt, and whichever attempt is mined wins), and one per sender
(`outbox_senders`): its next nonce and the lease of the one manager that may assign it.
backend/chain/outbox/ reads and writes them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base

# queued → signed (raw recorded, maybe broadcast) → sent → mined → confirmed; or failed (a mined revert, a
# refused broadcast), replaced (its nonce was taken by a cancel or by another transaction).
STATES = ("queued", "signed", "sent", "mined", "confirmed", "replaced", "failed")
OPEN_STATES = ("signed", "sent", "mined")


class OutboxSender(Base):
    __tablename__ = "outbox_senders"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    # The nonce the next signed transaction gets; NULL until first read from the chain.
    next_nonce: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lease_holder: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class OutboxTx(Base):
    __tablename__ = "outbox_txs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id", ondelete="SET NULL"),
                                                        nullable=True, index=True)  # NULL: the system's
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(42), index=True)
    nonce: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    to: Mapped[str | None] = mapped_column(String(42), nullable=True)
    data: Mapped[str] = mapped_column(Text, default="0x")
    value: Mapped[str] = mapped_column(String(80), default="0")  # uint256 as decimal text
    gas: Mapped[int] = mapped_column(BigInteger)
    max_fee_per_gas: Mapped[str | None] = mapped_column(String(80), nullable=True)
    max_priority_fee_per_gas: Mapped[str | None] = mapped_column(String(80), nullable=True)
    gas_price: Mapped[str | None] = mapped_column(String(80), nullable=True)  # set instead on a legacy chain
    purpose: Mapped[str] = mapped_column(String(120), default="")  # the function's name, or "cancel"
    errors_abi: Mapped[str] = mapped_column(Text, default="[]")  # the contract's error ABI, to decode reverts
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)  # the current attempt's
    raw: Mapped[str | None] = mapped_column(Text, nullable=True)  # the current attempt, signed
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    logs: Mapped[str | None] = mapped_column(Text, nullable=True)  # the receipt's raw logs, JSON
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # the decoded custom error, as text
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    sent_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # the current attempt's broadcast


class OutboxAttempt(Base):
    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_id: Mapped[int] = mapped_column(ForeignKey("outbox_txs.id", ondelete="CASCADE"), index=True)
    tx_hash: Mapped[str] = mapped_column(String(66), unique=True)
    # EIP-1559 (the two max fees) or legacy (gas price), as the network profile says (backend/chain/networks.py).
    max_fee_per_gas: Mapped[str | None] = mapped_column(String(80), nullable=True)
    max_priority_fee_per_gas: Mapped[str | None] = mapped_column(String(80), nullable=True)
    gas_price: Mapped[str | None] = mapped_column(String(80), nullable=True)
    raw: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
