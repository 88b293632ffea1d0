"""The holder's sponsored claim: sign a claim request with the wallet, and the municipality's relayer sends
it and pays the network fee (backend/campaigns/sponsored.py). Holders with funds still claim themselves
through GET /me/campaigns/{id}/claim."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, CurrentHolder, ServicesDep, SessionDep, SettingsDep
from backend.auth import passkey_accounts
from backend.campaigns import service as campaigns
from backend.campaigns import sponsored
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


@router.get("/me/campaigns/{campaign_id}/sponsored-claim", summary="The claim request my wallet signs (EIP-712)")
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
    client = request.client.host if request.client else "unknown"
    with chain_calls():
        out = sponsored.sponsor(session, services.relayer, minter, campaign, claim,
                                bytes.fromhex(body.signature[2:]), holder=holder.address, client_address=client,
                                now=int(time.time()),
                                prepare_signature=lambda signature: passkey_accounts.deployed_for_claim(
                                    session, chain, services.relayer, settings.account_factory_address,
                                    claim.recipient, signature))
    return SponsoredClaimOut(tx_hash=out.tx_hash, first_token_id=out.first_token_id, quantity=out.quantity,
                             gas_used=out.gas_used, cost_wei=str(out.cost_wei))
