"""The holder's side of campaigns: whether they can claim (and the transaction to send), their vouchers."""

from __future__ import annotations

import time

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, CurrentHolder, SessionDep, SettingsDep
from backend.api.schemas import VoucherOut, voucher_out
from backend.campaigns import service as campaigns
from backend.campaigns import store
from backend.campaigns.service import chain_calls, load_campaign, minter_of

router = APIRouter(tags=["holder"])


class ClaimTx(BaseModel):
    to: str
    data: str
    value: str = Field(description="Hex quantity, as eth_sendTransaction takes it")


class ClaimOut(BaseModel):
    eligible: bool
    code: str
    message_en: str
    message_ja: str
    chain_id: int
    tx: ClaimTx | None


@router.get("/me/campaigns/{campaign_id}/claim", response_model=ClaimOut,
            summary="Whether I can claim, and the transaction my wallet sends")
def read_my_claim(campaign_id: int, holder: CurrentHolder, session: SessionDep, chain: ChainDep,
                  settings: SettingsDep) -> ClaimOut:
    """The claim's verdict for my wallet now (with the reason in Japanese and English), and the transaction."""
    campaign = load_campaign(session, campaign_id)
    minter = minter_of(chain, settings, campaigns.symbol_of(session, campaign))
    with chain_calls():
        offer = store.claim_offer(session, minter, campaign, holder.address)
    return ClaimOut(**offer.body(settings.chain_id))


@router.get("/me/vouchers", response_model=list[VoucherOut], summary="Vouchers the municipality signed for my wallet")
def read_my_vouchers(holder: CurrentHolder, session: SessionDep) -> list[VoucherOut]:
    """Signed vouchers still usable (deadline not passed), newest first; `GET /me/campaigns/{id}/claim` builds the
    transaction from them, this is for wallets and tools that submit a voucher themselves."""
    return [voucher_out(v) for v in campaigns.usable_vouchers(session, holder.address, int(time.time()))]
