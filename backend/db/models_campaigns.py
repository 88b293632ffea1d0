"""Tables of campaigns run from the staff console: allowlists (with every wallet's proof), campaigns (the
backend's id for an on-chain campaign of a minter), signed vouchers waiting for their holder, airdrop jobs.

The chain stays the record of what a campaign allows and who claimed; these tables hold what the chain
cannot: the allowlist behind a Merkle root, names in two languages, vouchers before they are used, and
an airdrop's progress (its journal of batches sits in the data directory, see backend/campaigns/airdrop.py).
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models_chain import ADDRESS, HASH, unix_now

# Campaign modes (how a wallet proves it may claim) and airdrop job states.
MODES = ("open", "allowlist", "voucher")
JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED = "queued", "running", "done", "failed"


class Allowlist(Base):
    __tablename__ = "allowlists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    root: Mapped[str] = mapped_column(HASH)  # 0x + 64 hex: the OpenZeppelin StandardMerkleTree root
    count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # staff account id
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class AllowlistEntry(Base):
    """One wallet of an allowlist with the leaf it proves: (address, price, max claims) and the proof."""

    __tablename__ = "allowlist_entries"
    __table_args__ = (UniqueConstraint("allowlist_id", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allowlist_id: Mapped[int] = mapped_column(ForeignKey("allowlists.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(ADDRESS)  # EIP-55
    line: Mapped[int] = mapped_column(Integer)  # the Excel row it came from
    # The leaf's values as decimal text (uint256: up to 78 digits): price 2**256-1 = campaign price,
    # max 0 = campaign limit.
    leaf_price: Mapped[str] = mapped_column(String(80))
    leaf_max: Mapped[int] = mapped_column(Integer)
    proof: Mapped[list] = mapped_column(JSON)  # ["0x…", …] leaf to root


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("minter", "onchain_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"), index=True)
    minter: Mapped[str] = mapped_column(ADDRESS)
    onchain_id: Mapped[int] = mapped_column(BigInteger)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16))  # one of MODES
    allowlist_id: Mapped[int | None] = mapped_column(ForeignKey("allowlists.id"), nullable=True)
    tx_hash: Mapped[str] = mapped_column(HASH)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class CampaignVoucher(Base):
    """A signed voucher for one wallet (backend/campaigns/vouchers.to_json), and the person it is for: their
    nullifier (backend/identity/nullifier.py), which the premium cap counts; the identity itself is never
    stored. NULL: a voucher signed before vouchers carried the person's nullifier, for an unverified wallet."""

    __tablename__ = "campaign_vouchers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    recipient: Mapped[str] = mapped_column(ADDRESS, index=True)
    nullifier: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    document: Mapped[dict] = mapped_column(JSON)
    deadline: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class AirdropJob(Base):
    """An airdrop sent by the backend's worker thread; progress mirrors its journal."""

    __tablename__ = "airdrop_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"))
    filename: Mapped[str] = mapped_column(String(255))
    list_sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[list] = mapped_column(JSON)  # [[line, address, tier or null], …]
    tier: Mapped[int] = mapped_column(Integer)
    validity_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    batch_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=JOB_QUEUED)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    batches: Mapped[list] = mapped_column(JSON, default=list)  # [{tx_hash, count, status}]
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [{row, column, message_en, message_ja}]
    journal: Mapped[str] = mapped_column(String(500))
    # Which worker sends it, until when: several app processes share a database, and only the lease holder
    # sends (a dead holder's job is taken over when its lease runs out).
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    # Text so it never needs a length decision; the job's last error message (English / Japanese).
    message_en: Mapped[str] = mapped_column(Text, default="")
    message_ja: Mapped[str] = mapped_column(Text, default="")


class ClaimLink(Base):
    """A single-use claim link of a voucher campaign (backend/campaigns/claim_links.py). The link's secret is
    kept only as its SHA-256 (for lookup) and sealed (so staff can download the sheet again); the voucher is
    signed for the wallet that first redeems the link, and the link then belongs to that wallet."""

    __tablename__ = "claim_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    token_sealed: Mapped[str] = mapped_column(Text)
    used_by: Mapped[str | None] = mapped_column(ADDRESS, nullable=True)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_vouchers.id"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
