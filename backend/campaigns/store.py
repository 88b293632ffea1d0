"""Campaigns run from the console: allowlists into the database, campaigns onto the chain, vouchers signed
for a wallet, and what a holder's wallet must send to claim.

Handlers (backend/api/staff/campaigns.py, backend/api/holder/campaigns.py) stay thin; the decisions are here.
The CSV reading, Merkle tree and voucher signing are backend/campaigns/{csvfile,merkle,vouchers}.py, shared with the command-line scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import encode_hex, to_checksum_address
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backend.errors import Refusal
from backend.campaigns import vouchers
from backend.campaigns.csvfile import AllowlistRow, parse_allowlist
from backend.campaigns.merkle import CAMPAIGN_PRICE, StandardMerkleTree, allowlist_tree
from backend.campaigns.minters import OPEN, CampaignState, Minter, leaf_price_to_pay
from backend.campaigns.reasons import for_revert, reason
from backend.chain.client import ContractReverted
from backend.chain.events import minter_events
from backend.chain.issuer import Issuer, TxReverted
from backend.db.models_campaigns import Allowlist, AllowlistEntry, Campaign, CampaignVoucher
from backend.identity.nullifier import onchain_nullifier

VOUCHER_VALID_SECONDS = 7 * 86_400  # a week to claim, never past the campaign's end


def read_allowlist_upload(data: bytes, filename: str) -> tuple[list[AllowlistRow], StandardMerkleTree]:
    """The rows of an uploaded allowlist CSV and their Merkle tree; raises CsvFileError with every bad row.
    CPU work only: done before the database's write lock is taken."""
    rows = parse_allowlist(data, filename)
    return rows, allowlist_tree((r.address, r.price_wei, r.max_claims) for r in rows)


def save_allowlist(session: Session, municipality_id: int, filename: str, rows: list[AllowlistRow],
                   tree: StandardMerkleTree, staff_id: int | None) -> Allowlist:
    """Stores an allowlist and every wallet with its leaf and proof. The caller commits."""
    allowlist = Allowlist(municipality_id=municipality_id, filename=filename[:255], root=tree.root_hex,
                          count=len(rows), created_by=staff_id)
    session.add(allowlist)
    session.flush()
    entries = []
    for i, row in enumerate(rows):  # tree values keep the rows' order
        _, price, limit = tree.values[i]["value"]
        entries.append({"allowlist_id": allowlist.id, "address": to_checksum_address(row.address), "line": row.line,
                        "leaf_price": str(price), "leaf_max": int(limit),
                        "proof": [encode_hex(node) for node in tree.proof(i)]})
    if entries:
        session.execute(insert(AllowlistEntry), entries)
    return allowlist


def send(issuer: Issuer, call, idempotency_key: str | None = None, municipality_id: int | None = None) -> Any:
    """Sends `call` with the issuer key (once per `idempotency_key`, through the outbox); a revert becomes a
    Refusal naming the custom error."""
    try:
        return issuer.send(call, idempotency_key=idempotency_key, municipality_id=municipality_id)
    except TxReverted as exc:
        code, detail = for_revert(exc.error)
        raise Refusal(code, detail=detail, error=exc.error) from None


def create_onchain(issuer: Issuer, minter: Minter, settings: tuple, idempotency_key: str | None = None,
                   municipality_id: int | None = None) -> tuple[int, str]:
    """createCampaign(settings) sent by the issuer; returns (on-chain id, tx hash). The same key again: the
    first transaction's campaign, nothing sent."""
    sent = send(issuer, minter.contract.functions.createCampaign(settings), idempotency_key, municipality_id)
    created = minter_events().decode_all("CampaignCreated", sent.logs, minter.address)
    return int(created[0]["campaignId"]), sent.tx_hash


# --- vouchers -------------------------------------------------------------------------------------------
def sign_voucher(issuer: Issuer, minter: Minter, campaign: Campaign, state: CampaignState, recipient: str,
                 person: str, staff_id: int | None) -> CampaignVoucher:
    """Signs a voucher of `campaign` for `recipient`, the wallet of the verified person whose nullifier is
    `person` (backend/identity/nullifier.py; the voucher carries its on-chain form for this collection). Raises Refusal
    when this person already claimed or the key may not sign."""
    recipient = to_checksum_address(recipient)
    nullifier = onchain_nullifier(person, minter.record.chain_id, minter.record.collection)
    if minter.contract.functions.nullifierUsed(nullifier).call():
        raise Refusal("voucher_used")
    if not minter.has_role("VOUCHER_SIGNER_ROLE", issuer.voucher_signer.address):
        raise Refusal("voucher_signer_missing")
    now = minter.now()
    valid_for = max(1, min(VOUCHER_VALID_SECONDS, state.end - 1 - now))
    voucher = vouchers.voucher_for_campaign(minter.contract, state.onchain_id, recipient, nullifier, now=now,
                                            valid_for_seconds=valid_for)
    domain = vouchers.domain_of(minter.contract)
    signature = vouchers.sign_voucher(domain, voucher, issuer.voucher_signer)
    document = vouchers.to_json(domain, voucher, signature)
    return CampaignVoucher(campaign_id=campaign.id, recipient=recipient, nullifier=person, document=document,
                           deadline=voucher.deadline, created_by=staff_id)


def latest_voucher(session: Session, campaign_id: int, recipient: str, now: int) -> CampaignVoucher | None:
    return session.scalars(select(CampaignVoucher).where(
        CampaignVoucher.campaign_id == campaign_id, CampaignVoucher.recipient == to_checksum_address(recipient),
        CampaignVoucher.deadline >= now).order_by(CampaignVoucher.id.desc())).first()


# --- claims ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimOffer:
    """What `GET /me/campaigns/{id}/claim` answers: eligible with the transaction, or why not."""

    eligible: bool
    code: str
    tx: dict | None = None
    error: str | None = None  # the custom error a simulated claim met

    def body(self, chain_id: int) -> dict:
        said = reason(self.code, self.error)
        return {"eligible": self.eligible, "code": self.code, "message_en": said.en, "message_ja": said.ja,
                "chain_id": chain_id, "tx": self.tx}


def claim_offer(session: Session, minter: Minter, campaign: Campaign, holder: str) -> ClaimOffer:
    """Checks, against the chain, whether `holder` can claim one card of `campaign` now, and builds the
    transaction its wallet sends: `claim` with its Merkle proof, `claimWithVoucher` with its voucher, or an
    open `claim`. The transaction is simulated (eth_call from the holder) before it is offered."""
    holder = to_checksum_address(holder)
    state = minter.campaign(campaign.onchain_id)
    now = minter.now()
    status = state.status(now)
    if status != OPEN:
        return ClaimOffer(False, status)
    held, cap = minter.cards_held(holder)
    if held >= cap:
        return ClaimOffer(False, "wallet_full")
    claimed = minter.claimed_by(state.onchain_id, holder)
    functions = minter.contract.functions
    if campaign.mode == "voucher":
        stored = latest_voucher(session, campaign.id, holder, now)
        if stored is None:
            return ClaimOffer(False, "no_voucher")
        voucher, signature = vouchers.from_json(stored.document)
        key = voucher.nullifier if any(voucher.nullifier) else minter.contract.functions.voucherDigest(
            voucher.as_tuple()).call()
        if functions.nullifierUsed(key).call():
            return ClaimOffer(False, "voucher_used")
        if claimed >= state.max_per_wallet:
            return ClaimOffer(False, "already_claimed")
        call, value = functions.claimWithVoucher(voucher.as_tuple(), signature), voucher.price
    elif campaign.mode == "allowlist":
        entry = session.scalar(select(AllowlistEntry).where(AllowlistEntry.allowlist_id == campaign.allowlist_id,
                                                            AllowlistEntry.address == holder))
        if entry is None:
            return ClaimOffer(False, "not_on_allowlist")
        leaf_price = int(entry.leaf_price)
        limit = entry.leaf_max or state.max_per_wallet
        if claimed >= limit:
            return ClaimOffer(False, "already_claimed")
        call = functions.claim(state.onchain_id, 1, entry.proof, leaf_price, entry.leaf_max)
        value = leaf_price_to_pay(state, leaf_price)
    else:
        if claimed >= state.max_per_wallet:
            return ClaimOffer(False, "already_claimed")
        call, value = functions.claim(state.onchain_id, 1, [], CAMPAIGN_PRICE, 0), state.price
    tx = {"to": minter.address, "data": call.calldata, "value": hex(value)}
    refused = _simulate(minter, holder, tx, value)
    if refused is not None:
        return refused
    return ClaimOffer(True, "eligible", tx)


def _simulate(minter: Minter, holder: str, tx: dict, value: int) -> ClaimOffer | None:
    """eth_call of the claim from the holder: None if it would succeed, else why not."""
    if minter.chain.balance(holder) < value:
        return ClaimOffer(False, "insufficient_funds")
    try:
        minter.chain.eth_call({"from": holder, "to": tx["to"], "data": tx["data"], "value": hex(value)},
                              minter.contract.abi + minter.card.abi, "claim")
    except ContractReverted as exc:
        name = exc.revert.error
        code, _ = for_revert(name)
        known = code if code in ("already_claimed", "not_on_allowlist", "voucher_used", "wallet_full",
                                 "insufficient_funds", "sold_out", "ended", "paused", "scheduled") else "claim_refused"
        return ClaimOffer(False, known, error=name)
    return None
