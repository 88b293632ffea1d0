"""Sponsored claims: the municipality's relayer sends a resident's claim and pays its gas.

Two claims can be sponsored, each a `Sponsorable`: an EIP-712 ClaimRequest the resident signed with their
wallet (backend/campaigns/claim_requests.py), sent as ResidentMinter.claimFor; or a voucher the town signed
for the resident's wallet (a claim link's, backend/campaigns/claim_links.py), sent as claimWithVoucher,
which needs no signature of the resident at all: a passkey account not deployed yet gets its card too.
Either way the card goes to the recipient, never to the relayer. In order, and before any cost:
the claim is for the signed-in wallet and this campaign; the town's policy covers the campaign and the
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
from typing import Any

from eth_utils import to_checksum_address
from sqlalchemy.orm import Session

from backend.campaigns import claim_requests, sponsorship
from backend.campaigns.claim_requests import ClaimRequest
from backend.campaigns.minters import Minter
from backend.campaigns.reasons import for_revert
from backend.campaigns.vouchers import Voucher
from backend.chain.client import ContractReverted
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


@dataclass(frozen=True)
class Sponsorable:
    """One claim the relayer may send: the call, who gets the card, and whom the per-person limit counts."""

    call: Any  # the minter's bound function: claimFor(...) or claimWithVoucher(...)
    recipient: str
    campaign_id: int  # on chain
    person: str  # the voucher's identity nullifier (0x-hex) when it carries one, else the recipient wallet
    price: int  # what the call must pay on chain (the policy covers only 0)
    refuse_other_recipient: str  # the code for a claim naming another wallet than the signed-in one
    # Runs once the policy covers the claim, before the simulation, and returns the call to send: a passkey
    # account is deployed there (backend/auth/passkey_accounts.py), as the minter's ERC-1271 check needs its code.
    prepare: Callable[[], Any] | None = None


def of_request(minter: Minter, request: ClaimRequest, signature: bytes, proof: list[bytes] = (),
               prepare_signature: Callable[[bytes], bytes] | None = None) -> Sponsorable:
    """The holder's signed claim request, as claimFor; `prepare_signature` turns the signature into what the
    minter checks once the claim is covered (a passkey account's: deploy it, drop the ERC-6492 wrapper)."""
    def call_with(sig: bytes):
        return minter.contract.functions.claimFor(request.as_tuple(), sig, list(proof))

    prepare = (lambda: call_with(prepare_signature(signature))) if prepare_signature else None
    return Sponsorable(call_with(signature), request.recipient, request.campaign_id, request.recipient, 0,
                       "claim_request_other_recipient", prepare)


def of_voucher(minter: Minter, voucher: Voucher, signature: bytes) -> Sponsorable:
    """A voucher the town signed for the holder's wallet, as claimWithVoucher."""
    call = minter.contract.functions.claimWithVoucher(voucher.as_tuple(), signature)
    person = "0x" + voucher.nullifier.hex() if any(voucher.nullifier) else to_checksum_address(voucher.recipient)
    return Sponsorable(call, to_checksum_address(voucher.recipient), voucher.campaign_id, person, voucher.price,
                       "sponsored_voucher_other_recipient")


def sponsor(session: Session, relayer: Issuer, minter: Minter, campaign: Campaign, claim: Sponsorable, *,
            holder: str, client_address: str, now: int) -> SponsoredOut:
    """Sends `claim` for the signed-in `holder`, paid by the relayer; Refusal (nothing spent) otherwise."""
    if claim.recipient != to_checksum_address(holder):
        raise Refusal(claim.refuse_other_recipient, recipient=claim.recipient)
    if claim.campaign_id != campaign.onchain_id:
        raise Refusal("claim_request_wrong_campaign")
    state = minter.campaign(campaign.onchain_id)
    abi = minter.contract.abi + minter.card.abi
    with _LOCK:
        sponsorship.check(session, campaign, state, minter.address, price=claim.price, person=claim.person,
                          client_address=client_address, now=now)
        call = claim.prepare() if claim.prepare else claim.call
        name = call.fn_name
        tx = {"from": relayer.address, "to": minter.address, "data": call.calldata, "value": "0x0"}
        try:
            minter.chain.eth_call(tx, abi, name)  # simulate first: never pay for a refused claim
            gas = minter.chain.estimate_gas(tx, abi, name)
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
                                   recipient=claim.recipient, person=claim.person,
                                   client_address=client_address,
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
