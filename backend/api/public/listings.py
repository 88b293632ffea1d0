"""What anyone may list: campaigns open for claims, designated activities, municipalities one can register with."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import ChainDep, SessionDep, SettingsDep
from backend.api.schemas import ActivityOut, activity_outs
from backend.campaigns.minters import OPEN
from backend.campaigns import service as campaigns
from backend.db.models_chain import Municipality
from backend.residency import activities as acts
from backend.residency.prefecture_links import approved_prefectures
from backend.residency.programme import programme_of

router = APIRouter(tags=["public"])


class PublicCampaignOut(BaseModel):
    id: int = Field(description="The record's handle in URLs (/me/campaigns/{id}/claim); not a number to show")
    onchain_id: int = Field(description="The campaign number: its id on the collection's minter, as the console, "
                            "the scripts and the chain say it")
    collection: str
    name_ja: str
    name_en: str
    starts_at: int
    ends_at: int
    price_wei: str = Field(description="Decimal string: wei do not fit a JavaScript number")
    remaining: int
    mode: Literal["open", "allowlist", "voucher"]


@router.get("/campaigns", response_model=list[PublicCampaignOut], summary="Campaigns open for claims now")
def list_open_campaigns(session: SessionDep, chain: ChainDep, settings: SettingsDep) -> list[PublicCampaignOut]:
    """Every campaign whose minter on chain takes claims now."""
    return open_campaigns(session, chain, settings, campaigns.all_campaigns(session))


def open_campaigns(session, chain, settings, rows) -> list[PublicCampaignOut]:
    """Those of these campaigns whose minter on chain takes claims now (503 chain_unavailable when it cannot
    be asked)."""
    return [PublicCampaignOut(id=c.id, onchain_id=c.onchain_id, collection=symbol, name_ja=c.name_ja,
                              name_en=c.name_en, starts_at=state.start, ends_at=state.end,
                              price_wei=str(state.price), remaining=state.remaining, mode=c.mode)
            for c, symbol, state, now in campaigns.campaign_states(chain, settings, session, rows)
            if state.status(now) == OPEN]


@router.get("/residency/activities", response_model=list[ActivityOut], summary="Designated activities")
def list_public_activities(db: SessionDep, municipality_id: int | None = None) -> list[ActivityOut]:
    """Activities that count toward premium (designated and active), optionally of one municipality."""
    return activity_outs(db, acts.list_activities(db, municipality_id, designated_only=True))


class MunicipalityProgrammeOut(BaseModel):
    id: int
    name_ja: str
    name_en: str
    kind: str
    prefecture_id: int | None = Field(description="The prefecture registering here also registers with (an "
                                      "approved link only)")
    premium_mode: str
    required_checkins: int
    window_days: int


@router.get("/residency/municipalities", response_model=list[MunicipalityProgrammeOut],
            summary="Municipalities one can register with")
def list_residency_municipalities(db: SessionDep) -> list[MunicipalityProgrammeOut]:
    """Every municipality with its residency rules (city or prefecture, premium mode, activities needed)."""
    result = []
    linked = approved_prefectures(db)
    for m in db.scalars(select(Municipality).order_by(Municipality.id)):
        p = programme_of(db, m.id)
        result.append(MunicipalityProgrammeOut(id=m.id, name_ja=m.name_ja, name_en=m.name_en, kind=p.kind,
                                               prefecture_id=linked.get(m.id), premium_mode=p.premium_mode,
                                               required_checkins=p.required_checkins, window_days=p.window_days))
    return result
