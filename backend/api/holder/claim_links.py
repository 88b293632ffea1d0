"""A claim link opened by its holder (backend/campaigns/claim_links.py): what it is for, before sign-in, and
the voucher and transaction for the signed-in wallet. The token travels in the body, never in a URL."""

from __future__ import annotations

import time

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import ChainDep, CurrentHolder, IssuerDep, SessionDep, SettingsDep
from backend.api.holder.campaigns import ClaimOut
from backend.campaigns import claim_links, store
from backend.campaigns import service as campaigns
from backend.campaigns.service import chain_calls, load_campaign, minter_of
from backend.db.models_chain import Municipality
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.identity.verifier import identity_of
from backend.perks.rules import japan_date
from backend.residency.premium import check_voucher

router = APIRouter(tags=["holder"])

TOKEN = Field(min_length=16, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")


class ClaimLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = TOKEN


class ClaimLinkInfo(BaseModel):
    campaign_id: int
    name_ja: str
    name_en: str
    town_ja: str
    town_en: str
    town_slug: str = Field(description="The municipality's landing page is /town/{town_slug}")
    used: bool = Field(description="Someone has redeemed the link (it then works only for their wallet)")
    used_at: int | None = Field(description="When it was first used (unix seconds)")
    used_on: str | None = Field(description="The Japan date it was first used (YYYY-MM-DD)")


class RedeemOut(ClaimOut):
    reverts: dict[str, dict[str, str]] = Field(description="{4-byte selector: {code, message_ja, message_en}} of the "
                                                           "contracts' errors, to word a wallet's raw revert")


@router.post("/claim-links/look", response_model=ClaimLinkInfo, summary="What a claim link is for (no sign-in)")
def look_at_claim_link(body: ClaimLinkIn, session: SessionDep) -> ClaimLinkInfo:
    """The campaign and town of the link and whether it was used; never who used it."""
    link = claim_links.find_link(session, body.token)
    campaign = load_campaign(session, link.campaign_id)
    town = session.get(Municipality, campaign.municipality_id)
    return ClaimLinkInfo(campaign_id=campaign.id, name_ja=campaign.name_ja, name_en=campaign.name_en,
                         town_ja=town.name_ja, town_en=town.name_en, town_slug=town.slug, used=link.used_by is not None,
                         used_at=link.used_at, used_on=japan_date(link.used_at) if link.used_at else None)


@router.post("/me/claim-links/redeem", response_model=RedeemOut,
             summary="Redeem a claim link for my wallet: its voucher, checked, and the transaction to send")
def redeem_claim_link(body: ClaimLinkIn, holder: CurrentHolder, session: SessionDep, chain: ChainDep,
                      settings: SettingsDep, issuer: IssuerDep) -> RedeemOut:
    """The first wallet to redeem a link owns it (409 claim_link_used for any other); it may come back. The
    claim is simulated before anything is kept: a refusal (wallet full, campaign paused…) leaves the link free."""
    link = claim_links.find_link(session, body.token)
    claim_links.refuse_if_someone_else(link, holder.address)
    campaign = load_campaign(session, link.campaign_id)
    person = identity_of(session, holder.address)
    nullifier = person.nullifier if person is not None else None
    minter = minter_of(chain, settings, campaigns.symbol_of(session, campaign))
    now = int(time.time())
    with chain_calls():
        redeemed = claim_links.redeem(session, issuer, minter, campaign, link, holder.address, nullifier, now)
        reverts = claim_links.revert_words(minter)
    offer = redeemed.offer
    if redeemed.voucher is not None:
        session.rollback()
        write_transaction(session)
        link = claim_links.find_link(session, body.token)
        claim_links.refuse_if_someone_else(link, holder.address)  # another wallet may have won meanwhile
        check_voucher(session, nullifier or "", campaign.municipality_id, redeemed.voucher.document["voucher"]["tier"],
                      now)
        claim_links.bind(session, link, redeemed.voucher, holder.address, now)
        session.commit()
        with chain_calls():
            offer = store.claim_offer(session, minter, campaign, holder.address)
    if offer.code == "no_voucher":  # the stored voucher expired: sign a new one next time
        raise Refusal("voucher_expired")
    return RedeemOut(**offer.body(settings.chain_id), reverts=reverts)
