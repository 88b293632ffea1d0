"""Public card lookups from the index (no sign-in: card data holds no personal data)."""

from __future__ import annotations

import time

from eth_utils import is_hex_address
from fastapi import APIRouter
from pydantic import BaseModel

from backend.api.deps import SessionDep
from backend.cards import CardView, card_by_token, cards_of_owner
from backend.errors import Refusal

router = APIRouter(tags=["public"])


class CardPublic(BaseModel):
    collection_id: int
    chain_id: int
    contract: str
    symbol: str
    token_id: int
    owner: str
    resident_number: int
    tier: int
    issued_at: int
    expires_at: int
    locked: bool
    soulbound: bool
    status: str
    holding_since: int
    valid_now: bool

    @classmethod
    def of(cls, card: CardView, now: float) -> CardPublic:
        return cls(collection_id=card.collection_id, chain_id=card.chain_id, contract=card.contract,
                   symbol=card.symbol, token_id=card.token_id, owner=card.owner,
                   resident_number=card.resident_number, tier=card.tier, issued_at=card.issued_at,
                   expires_at=card.expires_at, locked=card.locked, soulbound=card.soulbound, status=card.status,
                   holding_since=card.holding_since, valid_now=card.valid_now(now))


@router.get("/cards/{collection_id}/{token_id}", response_model=CardPublic, summary="One card from the index")
def read_card(collection_id: int, token_id: int, session: SessionDep) -> CardPublic:
    """A card by collection and token id, as indexed."""
    card = card_by_token(session, collection_id, token_id)
    if card is None:
        raise Refusal("card_not_found", detail="card_in_collection", collection_id=collection_id, token_id=token_id)
    return CardPublic.of(card, time.time())


@router.get("/holders/{address}/cards", response_model=list[CardPublic], summary="Cards an address holds")
def read_holder_cards(address: str, session: SessionDep) -> list[CardPublic]:
    """The active cards held by `address`, as indexed."""
    if not is_hex_address(address):
        raise Refusal("invalid_address", address=address[:60])
    now = time.time()
    return [CardPublic.of(card, now) for card in cards_of_owner(session, address)]
