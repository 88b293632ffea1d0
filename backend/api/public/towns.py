"""A municipality's public face, for its landing page (/town/{slug}): names, card art, perks, open campaigns."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import ChainDep, ContentDep, SessionDep, SettingsDep
from backend.api.public.listings import PublicCampaignOut, open_campaigns
from backend.campaigns import service as campaigns
from backend.db.models_chain import Collection, Municipality
from backend.errors import ChainError, Refusal
from backend.perks import service as perks

log = logging.getLogger("resident.towns")
router = APIRouter(tags=["public"])
JST_OFFSET = 9 * 3600


class TownCollectionOut(BaseModel):
    id: int
    symbol: str
    name_ja: str
    name_en: str
    soulbound: bool
    image: str | None = Field(description="/ipfs/<CID> of a sample card (No. 000000) of this collection, as the "
                              "card art is drawn; null when it cannot be drawn now (chain unreachable)")


class TownVenueOut(BaseModel):
    name_ja: str
    name_en: str


class TownPerkOut(BaseModel):
    id: int
    collection_id: int
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    kind: str
    min_tier: int = Field(description="The lowest tier of card that may use it (0: every card)")
    venues: list[TownVenueOut]


class TownOut(BaseModel):
    id: int
    slug: str
    name_ja: str
    name_en: str
    collections: list[TownCollectionOut]
    perks: list[TownPerkOut] = Field(description="Active perks only")
    campaigns: list[PublicCampaignOut] | None = Field(description="Campaigns of its collections open for claims "
                                                      "now; null when the chain cannot be asked")


@router.get("/towns/{slug}", response_model=TownOut, summary="A municipality's landing page data (no sign-in)")
def read_town(session: SessionDep, chain: ChainDep, settings: SettingsDep, content: ContentDep,
              slug: str = Path(max_length=64)) -> TownOut:
    """Its names, each collection's card art, its active perks with their venues and its open campaigns."""
    town = session.scalar(select(Municipality).where(Municipality.slug == slug))
    if town is None:
        raise Refusal("municipality_not_found", municipality_id=slug)
    collections = list(session.scalars(select(Collection).where(Collection.municipality_id == town.id)
                                       .order_by(Collection.id)))
    # The sample card is dated today (Japan): its art is the collection's, its text says what a card carries.
    today = (int(time.time()) + JST_OFFSET) // 86400 * 86400 - JST_OFFSET
    out_collections = [TownCollectionOut(id=c.id, symbol=c.symbol, name_ja=c.name_ja, name_en=c.name_en,
                                         soulbound=c.soulbound, image=_sample_image(content, c, today))
                       for c in collections]
    active = [perk for perk in perks.perks_of(session, town.id) if perk.active]
    out_perks = [TownPerkOut(id=p.id, collection_id=p.collection_id, name_ja=p.name_ja, name_en=p.name_en,
                             description_ja=p.description_ja, description_en=p.description_en, kind=p.kind,
                             min_tier=p.min_tier, venues=[TownVenueOut(name_ja=v.name_ja, name_en=v.name_en)
                                                          for v in venues if v.active])
                 for p, venues in perks.with_venues(session, active)]
    try:
        out_campaigns = open_campaigns(session, chain, settings, campaigns.campaigns_of(session, town.id))
    except Refusal as refusal:  # chain_unavailable: the page still shows the town and its perks
        log.warning("town %s: open campaigns unknown: %s", slug, refusal.code)
        out_campaigns = None
    return TownOut(id=town.id, slug=town.slug, name_ja=town.name_ja, name_en=town.name_en,
                   collections=out_collections, perks=out_perks, campaigns=out_campaigns)


def _sample_image(content, collection: Collection, issued_at: int) -> str | None:
    try:
        return f"/ipfs/{content.sample_image_cid(collection, issued_at)}"
    except (ChainError, OSError) as exc:  # the collection's name is read from the chain once
        log.warning("town: no card art for %s: %s", collection.symbol, exc)
        return None

