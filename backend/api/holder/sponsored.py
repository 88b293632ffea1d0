"""The holder's sponsored claim, the municipality's relayer paying the network fee (backend/campaigns/
sponsored.py): of an open campaign, I sign a claim request (a wallet, or a passkey account through its
passkey: the relayer deploys the account first); of a voucher campaign (a claim link's, or a voucher staff
signed), the town's voucher for my wallet is enough. A passkey account, which holds no native token, claims
both ways. Holders with funds may still claim themselves through GET /me/campaigns/{id}/claim."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, CurrentHolder, ServicesDep, SessionDep, SettingsDep
from backend.auth import passkey_accounts
from backend.campaigns import service as campaigns
from backend.campaigns import sponsored, sponsorship, store, vouchers
from backend.campaigns.claim_requests import ClaimRequest
from backend.campaigns.service import chain_calls, load_campaign, minter_of
from backend.campaigns.vouchers import VoucherError
from backend.errors import Refusal

router = APIRouter(tags=["holder"])

HEX_SIGNATURE = r"^0x([0-9a-fA-F]{2})+$"


class ClaimRequestIn(BaseModel):
    recipient: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    campaignId: int = Field(ge=0)
    quantity: int = Field(ge=1, le=100)
    allowPrice: int = Field(ge=0, lt=2**256)
    allowMax: int = Field(ge=0, lt=2**256)
    nonce: int = Field(ge=0, lt=2**256)
    deadline: int = Field(ge=0, lt=2**256)


class SponsoredClaimIn(BaseModel):
    request: ClaimRequestIn
    signature: str = Field(pattern=HEX_SIGNATURE, max_length=4098)


class SponsoredClaimOut(BaseModel):
    tx_hash: str
    first_token_id: int
    quantity: int
    gas_used: int
    cost_wei: str = Field(description="What the municipality paid (gasUsed x effectiveGasPrice), wei")


@router.get("/me/campaigns/{campaign_id}/sponsored-claim",
            summary="The claim request my wallet or passkey account signs (EIP-712)")
def read_claim_request(campaign_id: int, holder: CurrentHolder, session: SessionDep, chain: ChainDep,
                       settings: SettingsDep) -> dict[str, Any]:
    """The typed data for eth_signTypedData_v4: this campaign, my wallet, my nonce, a deadline ten minutes out."""
    campaign = load_campaign(session, campaign_id)
    minter = minter_of(chain, settings, campaigns.symbol_of(session, campaign))
    with chain_calls():
        data = sponsored.request_to_sign(minter, campaign, holder.address)
    data["message"] = {k: str(v) if isinstance(v, int) else v for k, v in data["message"].items()}
    return data


@router.post("/me/campaigns/{campaign_id}/sponsored-claim", response_model=SponsoredClaimOut, status_code=201,
             summary="Claim with the municipality paying the fee: send my signed claim request")
def send_sponsored_claim(campaign_id: int, body: SponsoredClaimIn, request: Request, holder: CurrentHolder,
                         session: SessionDep, chain: ChainDep, settings: SettingsDep,
                         services: ServicesDep) -> SponsoredClaimOut:
    """Refused with a named reason (and nothing spent) when the policy does not cover it or the contract
    would refuse it; else the card is in my wallet when this answers."""
    if services.relayer is None:
        raise Refusal("sponsorship_unavailable")
    campaign = load_campaign(session, campaign_id)
    minter = minter_of(chain, settings, campaigns.symbol_of(session, campaign))
    r = body.request
    try:
        claim = ClaimRequest(recipient=r.recipient, campaign_id=r.campaignId, quantity=r.quantity, nonce=r.nonce,
                             deadline=r.deadline, allow_price=r.allowPrice, allow_max=r.allowMax)
    except (VoucherError, ValueError):
        raise Refusal("claim_request_bad_signature") from None
    sponsorable = sponsored.of_request(
        minter, claim, bytes.fromhex(body.signature[2:]),
        prepare_signature=lambda signature: passkey_accounts.deployed_for_claim(
            session, chain, services.relayer, settings.account_factory_address, claim.recipient, signature))
    with chain_calls():
        out = sponsored.sponsor(session, services.relayer, minter, campaign, sponsorable, holder=holder.address,
                                client_address=_client(request), now=int(time.time()))
    return _claimed(out)


@router.post("/me/campaigns/{campaign_id}/sponsored-voucher-claim", response_model=SponsoredClaimOut,
             status_code=201, summary="Claim my voucher with the municipality paying the fee (no signature of mine)")
def send_sponsored_voucher_claim(campaign_id: int, request: Request, holder: CurrentHolder, session: SessionDep,
                                 chain: ChainDep, settings: SettingsDep, services: ServicesDep) -> SponsoredClaimOut:
    """The relayer sends claimWithVoucher with the voucher the town signed for my wallet (a claim link's, kept
    by POST /me/claim-links/redeem, or one staff signed); refused by name, nothing spent, when the policy does
    not cover it (per person = the voucher's identity when it carries one) or the contract would refuse it."""
    if services.relayer is None:
        raise Refusal("sponsorship_unavailable")
    campaign = load_campaign(session, campaign_id)
    now = int(time.time())
    kept = store.latest_voucher(session, campaign.id, holder.address, now)
    if kept is None:
        raise Refusal("no_voucher_to_sponsor")
    voucher, signature = vouchers.from_json(kept.document)
    minter = minter_of(chain, settings, campaigns.symbol_of(session, campaign))
    sponsorable = sponsored.of_voucher(minter, voucher, signature)
    with chain_calls():
        out = sponsored.sponsor(session, services.relayer, minter, campaign, sponsorable, holder=holder.address,
                                client_address=_client(request), now=now)
    return _claimed(out)


class SponsorshipCoverOut(BaseModel):
    covered: bool = Field(description="The municipality would pay this campaign's claim fee now (before the "
                                      "per-person and per-address limits, checked when claiming)")
    code: str | None = Field(description="Why not, as a catalogue code; null when covered")
    message_en: str | None
    message_ja: str | None


@router.get("/campaigns/{campaign_id}/sponsorship", response_model=SponsorshipCoverOut,
            summary="Whether the municipality pays the fee of this campaign's claims (no sign-in)")
def read_sponsorship_cover(campaign_id: int, session: SessionDep, chain: ChainDep, settings: SettingsDep,
                           services: ServicesDep) -> SponsorshipCoverOut:
    """What the claim and holder pages ask before they offer the fee-free button as the first choice."""
    campaign = load_campaign(session, campaign_id)
    code = "sponsorship_unavailable" if services.relayer is None else None
    if code is None:
        minter = minter_of(chain, settings, campaigns.symbol_of(session, campaign))
        with chain_calls():
            state = minter.campaign(campaign.onchain_id)
        code = sponsorship.covers(session, campaign, state, minter.address, price=state.price, now=int(time.time()))
    if code is None:
        return SponsorshipCoverOut(covered=True, code=None, message_en=None, message_ja=None)
    said = sponsorship.reason_of(code)
    return SponsorshipCoverOut(covered=False, code=code, message_en=said.en, message_ja=said.ja)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _claimed(out: sponsored.SponsoredOut) -> SponsoredClaimOut:
    return SponsoredClaimOut(tx_hash=out.tx_hash, first_token_id=out.first_token_id, quantity=out.quantity,
                             gas_used=out.gas_used, cost_wei=str(out.cost_wei))
