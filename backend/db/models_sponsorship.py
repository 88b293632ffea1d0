"""Sponsored claims: each municipality's sponsorship policy and what its relayer spent
(backend/campaigns/sponsorship.py decides, backend/campaigns/sponsored.py sends).

Amounts are wei as decimal strings: a day's budget in POL or ETH can pass 64 bits, and SQLite has no exact
wide integer. Sums are taken in Python over one month's rows at most.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models_chain import ADDRESS, HASH, unix_now


class SponsorshipPolicy(Base):
    __tablename__ = "sponsorship_policies"

    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"),
                                                 primary_key=True, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    daily_budget_wei: Mapped[str] = mapped_column(String(78), default="0")
    monthly_budget_wei: Mapped[str] = mapped_column(String(78), default="0")
    per_person_per_day: Mapped[int] = mapped_column(Integer, default=1)  # claims per person (SponsoredClaim.person), Japan day
    per_address_per_day: Mapped[int] = mapped_column(Integer, default=10)  # claims per client (IP) address
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class SponsoredClaim(Base):
    """One claim the relayer sent and paid for; cost from its receipt (gasUsed x effectiveGasPrice)."""

    __tablename__ = "sponsored_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    recipient: Mapped[str] = mapped_column(ADDRESS, index=True)
    # Whom the per-person daily limit counts: the voucher's on-chain identity nullifier (0x + 64 hex) when it
    # carries one, so one person's several wallets share one limit; else the recipient wallet.
    person: Mapped[str] = mapped_column(String(66), index=True, server_default="")
    client_address: Mapped[str] = mapped_column(String(64), index=True)
    tx_hash: Mapped[str] = mapped_column(HASH)
    gas_used: Mapped[int] = mapped_column(BigInteger)
    cost_wei: Mapped[str] = mapped_column(String(78))
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now, index=True)
