"""Before a voucher or a claim link is handed out: would its claim go through? A simulated call (eth_call)
of `claimWithVoucher`, so the wallet cap, the campaign's state, the supply and the signer role are the
contract's own answer, not a copy of its rules. A refusal is a Refusal in words for staff that say what to
do; before this, a voucher was signed and the holder's claim later reverted with a bare
`ResidentCardWalletCapExceeded(0x…, 2, 1)`.
"""

from __future__ import annotations

from eth_utils import to_checksum_address

from backend.campaigns import vouchers
from backend.campaigns.minters import Minter
from backend.chain.client import ContractReverted
from backend.errors import Refusal
from backend.perks.rules import japan_date

# Custom error -> the staff refusal it becomes (backend/messages/campaigns.py, "before handing out").
_STAFF_REFUSALS = {
    "ResidentCardWalletCapExceeded": "precheck_wallet_full",
    "ResidentCardReceiverHoldsCard": "precheck_wallet_full",
    "ResidentMinterCampaignPaused": "precheck_paused",
    "ResidentMinterCampaignNotStarted": "precheck_scheduled",
    "ResidentMinterCampaignEnded": "campaign_ended",
    "ResidentMinterCampaignClosed": "campaign_closed",
    "ResidentMinterSoldOut": "precheck_sold_out",
    "ResidentMinterWalletLimitExceeded": "precheck_wallet_claimed",
    "ResidentMinterNullifierUsed": "voucher_used",
    "ResidentMinterVoucherSignerNotAuthorised": "voucher_signer_missing",
    "ResidentCardPaused": "precheck_collection_paused",
}


def simulate_voucher(minter: Minter, voucher: vouchers.Voucher, signature: bytes, sender: str) -> ContractReverted | None:
    """eth_call of `claimWithVoucher(voucher, signature)` from `sender` paying the voucher's price: None if
    it would succeed, else the revert."""
    call = minter.contract.functions.claimWithVoucher(voucher.as_tuple(), signature)
    tx = {"from": to_checksum_address(sender), "to": minter.address, "data": call.calldata, "value": hex(voucher.price)}
    try:
        minter.chain.eth_call(tx, minter.contract.abi + minter.card.abi, "claimWithVoucher")
    except ContractReverted as exc:
        return exc
    return None


def refuse_unless_claimable(minter: Minter, voucher: vouchers.Voucher, signature: bytes, sender: str) -> None:
    """Raises the staff Refusal for what a claim of `voucher` would meet now; `sender` pays (the issuer's
    account, so a recipient's empty balance does not hide the other reasons)."""
    reverted = simulate_voucher(minter, voucher, signature, sender)
    if reverted is None:
        return
    revert = reverted.revert
    code = _STAFF_REFUSALS.get(revert.name, "precheck_refused")
    if code == "precheck_wallet_full":
        held, cap = minter.cards_held(voucher.recipient)
        raise Refusal(code, wallet=voucher.recipient, held=held, cap=cap)
    if code == "precheck_scheduled":
        raise Refusal(code, date=japan_date(minter.campaign(voucher.campaign_id).start))
    if code == "precheck_refused":
        raise Refusal(code, error=str(revert))
    raise Refusal(code)
