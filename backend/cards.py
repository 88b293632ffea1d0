"""The read side of the index: cards by token or by holder, answered from the database.

Other modules (holder API, perks, venues, forum) ask here, never the chain.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_utils import is_hex_address, to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models_chain import ACTIVE, Card, ChainCursor, Collection


@dataclass(frozen=True)
class CardView:
    id: int  # the row id (stable; other tables may refer to it)
    collection_id: int
    municipality_id: int
    chain_id: int
    contract: str
    symbol: str
    token_id: int
    owner: str
    resident_number: int
    tier: int
    issued_at: int
    expires_at: int  # 0 = never
    locked: bool
    soulbound: bool  # the collection's policy
    status: str  # active | revoked | opted_out | reissued | burned | orphaned
    holding_since: int
    updated_block: int

    def valid_now(self, now: float | None = None) -> bool:
        """As the contract's isValid: the card exists and has not expired (expiry is exclusive)."""
        now = time.time() if now is None else now
        return self.status == ACTIVE and (self.expires_at == 0 or now < self.expires_at)

    def invalid_reason(self, now: float | None = None) -> str | None:
        """None when valid; otherwise the status ('revoked', ...) or 'expired'."""
        if self.status != ACTIVE:
            return self.status
        if not self.valid_now(now):
            return "expired"
        return None

    def held_seconds(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        return max(0, int(now) - self.holding_since)


def _view(card: Card, collection: Collection) -> CardView:
    return CardView(
        id=card.id, collection_id=collection.id, municipality_id=collection.municipality_id,
        chain_id=collection.chain_id, contract=collection.address, symbol=collection.symbol, token_id=card.token_id,
        owner=card.owner, resident_number=card.resident_number, tier=card.tier, issued_at=card.issued_at,
        expires_at=card.expires_at, locked=card.locked, soulbound=collection.soulbound, status=card.status,
        holding_since=card.holding_since, updated_block=card.updated_block,
    )


def card_by_token(session: Session, collection_id: int, token_id: int) -> CardView | None:
    row = session.execute(
        select(Card, Collection).join(Collection, Card.collection_id == Collection.id)
        .where(Card.collection_id == collection_id, Card.token_id == token_id)
    ).first()
    return _view(*row) if row else None


def card_by_id(session: Session, card_id: int) -> CardView | None:
    row = session.execute(
        select(Card, Collection).join(Collection, Card.collection_id == Collection.id).where(Card.id == card_id)
    ).first()
    return _view(*row) if row else None


def cards_of_owner(session: Session, owner: str, *, collection_id: int | None = None,
                   active_only: bool = True) -> list[CardView]:
    """The cards `owner` holds (active ones; with active_only=False also the burnt cards last held)."""
    if not is_hex_address(owner):
        return []
    query = (select(Card, Collection).join(Collection, Card.collection_id == Collection.id)
             .where(Card.owner == to_checksum_address(owner)).order_by(Card.collection_id, Card.token_id))
    if collection_id is not None:
        query = query.where(Card.collection_id == collection_id)
    if active_only:
        query = query.where(Card.status == ACTIVE)
    return [_view(card, collection) for card, collection in session.execute(query)]


@dataclass(frozen=True)
class IndexState:
    chain_id: int
    indexed_block: int | None
    indexed_block_time: int | None
    head_block: int | None
    synced_at: float | None  # wall time of the last poll that caught up with the chain
    error: str | None

    def staleness(self, now: float | None = None) -> float | None:
        """Seconds since the index was last known current; None if it never was."""
        if self.synced_at is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.synced_at)


def index_state(session: Session, chain_id: int) -> IndexState:
    """How current the index of `chain_id` is (for answers that must say how stale they are)."""
    cursor = session.get(ChainCursor, chain_id)
    if cursor is None:
        return IndexState(chain_id, None, None, None, None, None)
    return IndexState(chain_id, cursor.indexed_block, cursor.indexed_block_time, cursor.head_block,
                      cursor.synced_at, cursor.error)
