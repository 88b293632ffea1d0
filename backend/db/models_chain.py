"""Tables of the chain index: municipalities, collections, cards, their events, the indexer's cursor.

Card state is derived from the collection's events alone (see backend/chain/indexer/fold.py);
`card_events` keeps those events so a reorg can be undone by replaying them.
"""

from __future__ import annotations

import time

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db.base import Base

ADDRESS = String(42)
HASH = String(66)

# Card statuses. A card leaves 'active' only by a burn; 'orphaned' means it was
# seen only in blocks that a reorg removed (kept so ids other tables hold stay valid).
ACTIVE, REVOKED, OPTED_OUT, REISSUED, BURNED, ORPHANED = "active", "revoked", "opted_out", "reissued", "burned", "orphaned"
CARD_STATUSES = (ACTIVE, REVOKED, OPTED_OUT, REISSUED, BURNED, ORPHANED)


def unix_now() -> int:
    return int(time.time())


class Municipality(Base):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)

    collections: Mapped[list[Collection]] = relationship(back_populates="municipality")


class Collection(Base):
    __tablename__ = "collections"
    __table_args__ = (UniqueConstraint("chain_id", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    address: Mapped[str] = mapped_column(ADDRESS)  # EIP-55 checksummed
    symbol: Mapped[str] = mapped_column(String(16))
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    soulbound: Mapped[bool] = mapped_column(Boolean)
    deploy_block: Mapped[int] = mapped_column(BigInteger)
    record_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Last block whose events are in `cards`; deploy_block - 1 until the first poll.
    indexed_block: Mapped[int] = mapped_column(BigInteger)

    municipality: Mapped[Municipality] = relationship(back_populates="collections")


class Card(Base):
    __tablename__ = "cards"
    __table_args__ = (UniqueConstraint("collection_id", "token_id"),
                      Index("ix_cards_collection_id_resident_number", "collection_id", "resident_number"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"))
    token_id: Mapped[int] = mapped_column(BigInteger)
    owner: Mapped[str] = mapped_column(ADDRESS, index=True)  # holder now, or the last holder of a burnt card
    resident_number: Mapped[int] = mapped_column(BigInteger, default=0)
    tier: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[int] = mapped_column(BigInteger, default=0)  # 0 = never
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    holding_since: Mapped[int] = mapped_column(BigInteger)  # block time the current owner received it
    replaced_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # token id after a re-issue
    updated_block: Mapped[int] = mapped_column(BigInteger)


class CardEvent(Base):
    """One decoded contract event that changes a card (the replay log)."""

    __tablename__ = "card_events"
    __table_args__ = (
        UniqueConstraint("collection_id", "block_number", "log_index"),
        Index("ix_card_events_block", "block_number"),
        Index("ix_card_events_token", "collection_id", "token_id"),  # a card's history (the console)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"))
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)
    block_time: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(HASH)
    kind: Mapped[str] = mapped_column(String(24))
    token_id: Mapped[int] = mapped_column(BigInteger)
    args: Mapped[dict] = mapped_column(JSON)


class ChainCursor(Base):
    """The indexer's position on one chain and its health."""

    __tablename__ = "chain_cursors"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    indexed_block: Mapped[int] = mapped_column(BigInteger, default=-1)
    indexed_block_time: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    head_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Wall time of the last poll that reached the head (minus confirmations): staleness is now minus this.
    synced_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # One indexer per database even with several app processes: the holder of an unexpired lease indexes.
    leader: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class IndexedBlock(Base):
    """Hashes of recent indexed blocks: a stored hash that is no longer canonical reveals a reorg."""

    __tablename__ = "indexed_blocks"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(HASH)
    timestamp: Mapped[int] = mapped_column(BigInteger)
