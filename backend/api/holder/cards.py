"""The signed-in holder and their cards."""

from __future__ import annotations

import time
from urllib.parse import quote

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import CardImageDep, CurrentHolder, SessionDep, SettingsDep
from backend.cards import CardView, cards_of_owner
from backend.db.models_access import Forum, PasskeyCredential
from backend.db.models_chain import Collection, Municipality

router = APIRouter(tags=["holder"])


class MeOut(BaseModel):
    address: str
    session_expires_at: int
    passkey: bool = Field(default=False, description="A passkey resident account: no wallet, no native token, so "
                                                     "the pages offer it only fee-free claims")


class ForumLink(BaseModel):
    name: str
    url: str


class MyCard(BaseModel):
    collection_id: int
    chain_id: int
    contract: str
    symbol: str
    token_id: int
    resident_number: int
    tier: int
    issued_at: int
    expires_at: int = Field(description="Unix seconds; 0 = never expires")
    soulbound: bool
    locked: bool
    status: str = Field(description="active | revoked | opted_out | reissued | burned | orphaned")
    valid_now: bool
    invalid_reason: str | None = Field(description="Why not valid now (e.g. 'expired'); null when valid")
    image: str | None = Field(description="Card image URI (ipfs://...) when metadata has been rendered")
    metadata_url: str
    collection_name_ja: str = ""
    collection_name_en: str = ""
    municipality_name_ja: str = ""
    municipality_name_en: str = ""
    municipality_slug: str = Field(default="", description="Its landing page is /town/{municipality_slug}")
    forums: list[ForumLink] = Field(default=[], description="Community forums open to this collection's holders")


@router.get("/me", response_model=MeOut, summary="The signed-in holder")
def read_me(holder: CurrentHolder, db: SessionDep) -> MeOut:
    """The wallet address of this session, and whether it is a passkey account."""
    passkey = db.scalar(select(PasskeyCredential.id).where(PasskeyCredential.account == holder.address).limit(1))
    return MeOut(address=holder.address, session_expires_at=holder.session.expires_at, passkey=passkey is not None)


@router.get("/me/cards", response_model=list[MyCard], summary="My resident cards")
def read_my_cards(holder: CurrentHolder, db: SessionDep, settings: SettingsDep,
                  resolve_image: CardImageDep) -> list[MyCard]:
    """Every card the signed-in wallet holds (from the index), with whether it is valid now and why not."""
    now = time.time()
    base = settings.public_url.rstrip("/")
    cards = cards_of_owner(db, holder.address)
    names = _collection_names(db, {card.collection_id for card in cards})
    return [_my_card(card, now, base, resolve_image).model_copy(update=names[card.collection_id]) for card in cards]


def _collection_names(db, collection_ids: set[int]) -> dict[int, dict]:
    """Each collection's and its municipality's names, and its forums: what the holder page shows."""
    if not collection_ids:
        return {}
    names = {collection.id: dict(collection_name_ja=collection.name_ja, collection_name_en=collection.name_en,
                                 municipality_name_ja=municipality.name_ja, municipality_name_en=municipality.name_en,
                                 municipality_slug=municipality.slug,
                                 forums=[])
             for collection, municipality in db.execute(
                 select(Collection, Municipality).join(Municipality, Collection.municipality_id == Municipality.id)
                 .where(Collection.id.in_(collection_ids)))}
    for forum in db.scalars(select(Forum).where(Forum.collection_id.in_(collection_ids)).order_by(Forum.id)):
        names[forum.collection_id]["forums"].append(ForumLink(name=forum.name, url=forum.url))
    return names


def _my_card(card: CardView, now: float, base: str, resolve_image) -> MyCard:
    image = None
    if resolve_image is not None:
        try:
            image = resolve_image(card)
        except Exception:  # noqa: BLE001 - an image that cannot be found must not hide the card
            image = None
    return MyCard(collection_id=card.collection_id, chain_id=card.chain_id, contract=card.contract,
                  symbol=card.symbol, token_id=card.token_id, resident_number=card.resident_number, tier=card.tier,
                  issued_at=card.issued_at, expires_at=card.expires_at, soulbound=card.soulbound, locked=card.locked,
                  status=card.status, valid_now=card.valid_now(now), invalid_reason=card.invalid_reason(now),
                  image=image, metadata_url=f"{base}/metadata/{quote(card.symbol)}/{card.token_id}")
