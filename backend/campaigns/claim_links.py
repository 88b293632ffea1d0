"""Single-use claim links of a voucher campaign: staff make N, email them (CSV) or print them (a sheet of
QR codes); whoever opens one first with a wallet gets the campaign's EIP-712 voucher signed for that wallet.

A link is `{public_url}/claim#<token>`: the token sits in the fragment, so it never reaches a server log
or a Referer; the claim page posts it. Only its SHA-256 is looked up; it is also kept sealed
(backend/auth/sealed.py) so staff can download the sheet again. The first wallet that redeems it owns it:
the same wallet may come back (a rejected transaction must not burn the link), another is told plainly
that the link was used. The voucher is the minter's own (backend/campaigns/vouchers.py): it carries the
holder's person nullifier when they verified their identity, else none (the link is the credential, and
the voucher's digest is its single-use key on chain).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_utils import function_abi_to_4byte_selector, to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.sealed import seal, unseal
from backend.auth.secrets import random_token, token_digest
from backend.campaigns import precheck, vouchers
from backend.campaigns.minters import Minter
from backend.campaigns.reasons import REVERTS, for_revert, reason
from backend.campaigns.store import VOUCHER_VALID_SECONDS, ClaimOffer, claim_offer
from backend.chain.issuer import Issuer
from backend.db.models_campaigns import Campaign, CampaignVoucher, ClaimLink
from backend.errors import Refusal
from backend.identity.nullifier import onchain_nullifier
from backend.messages import text
from backend.perks.rules import japan_date
from backend.staff.export import excel_csv

SEAL_PURPOSE = "claim-link"
MAX_LINKS = 500  # per request: a sheet staff can still print
NO_NULLIFIER = b"\x00" * 32


def url_of(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/claim#{token}"


def campaign_url(public_url: str, campaign_id: int) -> str:
    """The claim page for a whole campaign (a poster at the town office: open and allowlist campaigns)."""
    return f"{public_url.rstrip('/')}/claim#campaign-{campaign_id}"


def _bound(link_id: int) -> str:
    return f"claim_links:{link_id}"


def token_of(sealing_key: str, link: ClaimLink) -> str:
    return unseal(sealing_key, SEAL_PURPOSE, link.token_sealed, bound_to=_bound(link.id))


def probe_claimable(minter: Minter, issuer: Issuer, campaign: Campaign) -> None:
    """Simulates the claim of a voucher of `campaign` for a fresh wallet: refuses (in staff words) when the
    campaign's state or the signer role would make every link's claim fail."""
    probe = Account.create().address
    voucher = vouchers.voucher_for_campaign(minter.contract, campaign.onchain_id, probe, NO_NULLIFIER,
                                            now=minter.now(), valid_for_seconds=3600)
    signature = vouchers.sign_voucher(vouchers.domain_of(minter.contract), voucher, issuer.voucher_signer)
    precheck.refuse_unless_claimable(minter, voucher, signature, issuer.address)


def make_links(session: Session, sealing_key: str, campaign: Campaign, count: int, remaining: int,
               staff_id: int | None) -> list[tuple[ClaimLink, str]]:
    """`count` new links of `campaign` with their tokens; flushes, the caller commits."""
    if count > remaining:
        raise Refusal("claim_links_over_supply", remaining=remaining)
    made = []
    for _ in range(count):
        token = random_token()
        link = ClaimLink(municipality_id=campaign.municipality_id, campaign_id=campaign.id,
                         token_digest=token_digest(token), token_sealed="", created_by=staff_id)
        session.add(link)
        made.append((link, token))
    session.flush()  # ids first: the seal is bound to the row
    for link, token in made:
        link.token_sealed = seal(sealing_key, SEAL_PURPOSE, token, bound_to=_bound(link.id))
    return made


def links_of(session: Session, campaign_id: int) -> list[ClaimLink]:
    return list(session.scalars(select(ClaimLink).where(ClaimLink.campaign_id == campaign_id).order_by(ClaimLink.id)))


def find_link(session: Session, token: str) -> ClaimLink:
    link = session.scalar(select(ClaimLink).where(ClaimLink.token_digest == token_digest(token)))
    if link is None:
        raise Refusal("claim_link_not_found")
    return link


def refuse_if_someone_else(link: ClaimLink, holder: str) -> None:
    if link.used_by is not None and link.used_by != to_checksum_address(holder):
        raise Refusal("claim_link_used", date=japan_date(link.used_at))


# --- redeeming ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Redeemed:
    offer: ClaimOffer
    voucher: CampaignVoucher | None  # new, for the caller to keep; None when refused or already kept


def redeem(session: Session, issuer: Issuer, minter: Minter, campaign: Campaign, link: ClaimLink, holder: str,
           person: str | None, now: int) -> Redeemed:
    """The claim offer for `holder` through `link`: its voucher is signed on first use, after a simulated
    claim says it would go through (a refusal leaves the link free, in the holder's words)."""
    holder = to_checksum_address(holder)
    refuse_if_someone_else(link, holder)
    if link.voucher_id is not None:
        kept = session.get(CampaignVoucher, link.voucher_id)
        if kept is not None and kept.deadline >= now:
            return Redeemed(claim_offer(session, minter, campaign, holder), None)
    state = minter.campaign(campaign.onchain_id)
    chain_now = minter.now()
    nullifier = onchain_nullifier(person, minter.record.chain_id, minter.record.collection) if person else NO_NULLIFIER
    valid_for = max(1, min(VOUCHER_VALID_SECONDS, state.end - 1 - chain_now))
    voucher = vouchers.voucher_for_campaign(minter.contract, campaign.onchain_id, holder, nullifier, now=chain_now,
                                            valid_for_seconds=valid_for)
    domain = vouchers.domain_of(minter.contract)
    signature = vouchers.sign_voucher(domain, voucher, issuer.voucher_signer)
    reverted = precheck.simulate_voucher(minter, voucher, signature, issuer.address)
    if reverted is not None:
        code, _ = for_revert(reverted.revert.error)
        return Redeemed(ClaimOffer(False, code, error=reverted.revert.error), None)
    kept = CampaignVoucher(campaign_id=campaign.id, recipient=holder, nullifier=person,
                           document=vouchers.to_json(domain, voucher, signature), deadline=voucher.deadline)
    return Redeemed(ClaimOffer(True, "eligible"), kept)


def bind(session: Session, link: ClaimLink, voucher: CampaignVoucher, holder: str, now: int) -> None:
    """Keeps the voucher and gives the link to `holder`; flushes (the caller holds the write lock)."""
    session.add(voucher)
    session.flush()
    if link.used_by is None:
        link.used_by, link.used_at = to_checksum_address(holder), now
    link.voucher_id = voucher.id


def revert_words(minter: Minter) -> dict[str, dict[str, str]]:
    """{4-byte selector: {code, message_ja, message_en}} of every custom error the minter and the card can
    revert with: the claim page words a wallet's raw revert with the catalogue's texts."""
    out = {}
    for entry in minter.contract.abi + minter.card.abi:
        if entry.get("type") != "error" or entry["name"] not in REVERTS:
            continue
        code, _ = for_revert(entry["name"])
        said = reason(code)
        out["0x" + function_abi_to_4byte_selector(entry).hex()] = {"code": code, "message_ja": said.ja,
                                                                     "message_en": said.en}
    return out


# --- for staff: the CSV to email ------------------------------------------------------------------------
def csv_bytes(rows: list[tuple[ClaimLink, str]], campaign: Campaign, lang: str) -> bytes:
    """The links as a CSV Excel opens as it is (backend/staff/export.py: UTF-8 with BOM, CRLF, no cell read as
    a formula), Japan dates; `rows` = (link, url)."""
    columns = ("number", "title", "campaign", "status", "created", "used", "wallet")
    name = campaign.name_ja if lang == "ja" else campaign.name_en
    return excel_csv([text(f"claim_link_csv_{c}", lang) for c in columns], (
        (number, url, name, text("claim_link_used_state" if link.used_by else "claim_link_unused", lang),
         japan_date(link.created_at), japan_date(link.used_at) if link.used_at else "", link.used_by or "")
        for number, (link, url) in enumerate(rows, start=1)))
