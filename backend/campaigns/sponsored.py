"""Sponsored claims: the municipality's relayer sends a resident's signed claim request and pays its gas.

The resident signs an EIP-712 ClaimRequest (backend/campaigns/claim_requests.py) with their wallet; the
card goes to them through ResidentMinter.claimFor, never to the relayer. In order, and before any cost:
the request is for the signed-in wallet and this campaign; the town's policy covers the campaign and the
person and client address are under their daily limits (backend/campaigns/sponsorship.py); then the
exact transaction is simulated (eth_call from the relayer) so a claim the contract would refuse is refused
here with its custom error's reason and costs nothing; then its gas at today's price must fit the budget.
Only then is it sent, and the receipt's gasUsed x effectiveGasPrice is recorded as spent.

One lock per process around check, send and record: two requests of one process cannot both pass the last
of a budget. Several processes share a relayer key only at the cost of overshooting by one claim each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlalchemy.orm import Session

from backend.campaigns import claim_requests, sponsorship
from backend.campaigns.claim_requests import ClaimRequest
from backend.campaigns.minters import Minter
from backend.campaigns.reasons import for_revert
from backend.chain.client import Chain, ContractReverted
from backend.chain.events import minter_events
from backend.chain.issuer import Issuer, TxReverted
from backend.db.models_campaigns import Campaign
from backend.db.models_sponsorship import SponsoredClaim
from backend.errors import Refusal

_LOCK = threading.Lock()
GAS_MARGIN = 1.2  # what the relayer allows over the estimate (the budget check uses the same figure)


@dataclass(frozen=True)
class SponsoredOut:
    tx_hash: str
    first_token_id: int
    quantity: int
    gas_used: int
    cost_wei: int


def _refusal(revert) -> Refusal:
    code, detail = for_revert(revert.error)
    return Refusal(code, detail=detail, error=str(revert))


def sponsor(session: Session, relayer: Issuer, minter: Minter, campaign: Campaign, request: ClaimRequest,
            signature: bytes, *, holder: str, client_address: str, now: int, proof: list[bytes] = (),
            prepare_signature: Callable[[bytes], bytes] | None = None) -> SponsoredOut:
    """Sends `request` for the signed-in `holder`, paid by the relayer; Refusal (nothing spent) otherwise.

    `prepare_signature` runs once the policy covers the claim, before the simulation: a passkey account is
    deployed there (backend/auth/passkey_accounts.py), as the minter's ERC-1271 check needs its code."""
    if request.recipient != to_checksum_address(holder):
        raise Refusal("claim_request_other_recipient", recipient=request.recipient)
    if request.campaign_id != campaign.onchain_id:
        raise Refusal("claim_request_wrong_campaign")
    state = minter.campaign(campaign.onchain_id)
    abi = minter.contract.abi + minter.card.abi
    with _LOCK:
        sponsorship.check(session, campaign, state, minter.address, recipient=request.recipient,
                          client_address=client_address, now=now)
        if prepare_signature is not None:
            signature = prepare_signature(signature)
        call = minter.contract.functions.claimFor(request.as_tuple(), signature, list(proof))
        tx = {"from": relayer.address, "to": minter.address, "data": call.calldata, "value": "0x0"}
        try:
            minter.chain.eth_call(tx, abi, "claimFor")  # simulate first: never pay for a refused claim
            gas = minter.chain.estimate_gas(tx, abi, "claimFor")
        except ContractReverted as exc:
            raise _refusal(exc.revert) from None
        limit = int(gas * GAS_MARGIN)
        sponsorship.check_budget(session, campaign.municipality_id, limit * minter.chain.gas_price(), now)
        # End this session's read snapshot before the wait: the indexer writes the new card meanwhile, and
        # SQLite refuses to turn a stale read transaction into a write.
        session.commit()
        try:
            sent = relayer.send(call, gas=limit)
        except TxReverted as exc:
            raise _refusal(exc.revert) from None
        raw = minter.chain.request("eth_getTransactionReceipt", [sent.tx_hash])
        cost = int(raw["gasUsed"], 16) * int(raw["effectiveGasPrice"], 16)
        session.add(SponsoredClaim(municipality_id=campaign.municipality_id, campaign_id=campaign.id,
                                   recipient=request.recipient, client_address=client_address,
                                   tx_hash=sent.tx_hash, gas_used=sent.gas_used, cost_wei=str(cost), created_at=now))
        session.commit()
    claimed = minter_events().decode_all("Claimed", sent.logs, minter.address)
    return SponsoredOut(sent.tx_hash, int(claimed[0]["firstTokenId"]), int(claimed[0]["quantity"]), sent.gas_used, cost)


def request_to_sign(minter: Minter, campaign: Campaign, holder: str, *, valid_for: int = 600) -> dict:
    """The EIP-712 typed data the holder's wallet signs (eth_signTypedData_v4) to ask for a sponsored claim:
    nonce is the wallet's claimed count now, deadline the chain's time plus `valid_for` seconds."""
    request = ClaimRequest(recipient=holder, campaign_id=campaign.onchain_id, quantity=1,
                           nonce=minter.claimed_by(campaign.onchain_id, holder), deadline=minter.now() + valid_for)
    return claim_requests.typed_data(claim_requests.domain_of(minter.contract), request)
