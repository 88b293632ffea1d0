"""Why a campaign action or a claim cannot go ahead, in words for staff and holders.

Two sources, one vocabulary: the holder API checks the chain before a wallet sends anything (a reason
code), and a transaction the contract refuses names its custom error (`for_revert`, keyed by the
error's name in IResidentMinterErrors / IResidentCardErrors). The texts of both are in
backend/messages/campaigns.py.
"""

from __future__ import annotations

from backend.campaigns.minters import ENDED, PAUSED, SCHEDULED, SOLD_OUT
from backend.messages import Texts, texts

# Custom error name -> the reason code it means, and the detail that names the error.
REVERTS: dict[str, tuple[str, str]] = {
    "ResidentMinterInvalidWindow": ("campaign_invalid_window", "revert_name"),
    "ResidentMinterInvalidPrice": ("campaign_invalid_price", "revert_name"),
    "ResidentMinterInvalidSupply": ("campaign_invalid_supply", "revert_name"),
    "ResidentMinterInvalidWalletLimit": ("campaign_invalid_wallet_limit", "revert_name"),
    "ResidentMinterInvalidTier": ("campaign_invalid_tier", "revert_name"),
    "ResidentMinterInvalidValidity": ("campaign_invalid_validity", "revert_name"),
    "ResidentMinterCampaignClosed": ("campaign_closed", "revert_name"),
    "ResidentMinterUnknownCampaign": ("campaign_unknown", "revert_name"),
    "AccessControlUnauthorizedAccount": ("issuer_not_minter_admin", "revert_name"),
    "ResidentMinterCampaignNotStarted": (SCHEDULED, "revert_name"),
    "ResidentMinterCampaignEnded": (ENDED, "revert_name"),
    "ResidentMinterCampaignPaused": (PAUSED, "revert_name"),
    "ResidentMinterSoldOut": (SOLD_OUT, "revert_name"),
    "ResidentMinterWalletLimitExceeded": ("already_claimed", "revert_name"),
    "ResidentMinterInvalidProof": ("not_on_allowlist", "revert_name"),
    "ResidentMinterNullifierUsed": ("voucher_used", "revert_name"),
    "ResidentMinterVoucherReplayed": ("voucher_used", "revert_name"),
    "ResidentMinterVoucherExpired": ("voucher_expired", "revert_name"),
    "ResidentMinterClaimRequestExpired": ("claim_request_expired", "revert_name"),
    "ResidentMinterClaimRequestInvalidSignature": ("claim_request_bad_signature", "revert_name"),
    "ResidentMinterClaimRequestWrongSigner": ("claim_request_wrong_signer", "revert_name"),
    "ResidentMinterClaimRequestReplayed": ("claim_request_replayed", "revert_name"),
    "ResidentMinterWrongPayment": ("insufficient_funds", "payment_below_price"),
    "ResidentCardWalletCapExceeded": ("wallet_full", "revert_name"),
    "ResidentCardReceiverHoldsCard": ("wallet_full", "revert_name"),
    "ResidentCardPaused": ("collection_paused", "revert_name"),
}


def reason(code: str, error: str | None = None) -> Texts:
    """The texts of a holder-facing reason code, naming the custom error a simulated claim met, if any."""
    return texts(code, "revert_name" if error else None, error=error)


def for_revert(error: str) -> tuple[str, str]:
    """(reason code, detail code) for a revert naming custom error `error`; the detail keeps the name."""
    return REVERTS.get(error, ("transaction_refused", "revert_name"))
