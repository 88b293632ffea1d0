"""Why a campaign action or a claim cannot go ahead, in words for staff and holders (English and Japanese).

Two sources, one vocabulary: the holder API checks the chain before a wallet sends anything
(`REASONS`, keyed by a stable code), and a transaction the contract refuses names its custom
error (`for_revert`, keyed by the error's name in IResidentMinterErrors / IResidentCardErrors).
"""

from __future__ import annotations

from backend.campaigns.minters import CLOSED, ENDED, PAUSED, SCHEDULED, SOLD_OUT

# code -> (English, Japanese): what happened and what to do next.
REASONS: dict[str, tuple[str, str]] = {
    "eligible": ("You can claim a card in this campaign: confirm the transaction in your wallet.",
                 "このキャンペーンで住民証を受け取れます。ウォレットで取引を承認してください。"),
    "not_on_allowlist": ("This wallet is not on the campaign's list. If you applied, check that you signed in with "
                         "the wallet you gave the municipality.",
                         "このウォレットは対象者リストにありません。申し込み済みの場合は、自治体に伝えたウォレットで"
                         "サインインしているか確認してください。"),
    "already_claimed": ("This wallet has already claimed everything this campaign allows it.",
                        "このウォレットは、このキャンペーンで受け取れる上限に達しています。"),
    SOLD_OUT: ("All cards of this campaign have been claimed.", "このキャンペーンの住民証はすべて受け取られました。"),
    SCHEDULED: ("This campaign has not started yet; come back when it opens.",
                "このキャンペーンはまだ始まっていません。開始後にもう一度お試しください。"),
    ENDED: ("This campaign has ended.", "このキャンペーンは終了しました。"),
    PAUSED: ("The municipality has paused this campaign for now; try again later.",
             "自治体がこのキャンペーンを一時停止しています。しばらくしてからお試しください。"),
    CLOSED: ("This campaign is closed.", "このキャンペーンは締め切られました。"),
    "no_voucher": ("There is no voucher for this wallet yet: the municipality issues one after checking your "
                   "identity. Contact them, then come back.",
                   "このウォレットのバウチャーはまだありません。本人確認の後に自治体が発行します。"
                   "自治体に連絡してから、もう一度お試しください。"),
    "voucher_used": ("Your voucher has already been used: this person has received a card of this collection.",
                     "バウチャーは使用済みです。この方はすでにこのコレクションの住民証を受け取っています。"),
    "wallet_full": ("This wallet already holds as many cards of this collection as it may (one per person for "
                    "resident cards).", "このウォレットは、このコレクションの住民証を上限まで保有しています。"),
    "insufficient_funds": ("The wallet does not hold enough to pay the price and the network fee.",
                           "ウォレットの残高が、価格と手数料に足りません。"),
    "claim_refused": ("The contract would refuse this claim.", "コントラクトがこの受け取りを拒否します。"),
}

# Custom error name -> (code, English, Japanese) for transactions the minter or the card refuses.
REVERTS: dict[str, tuple[str, str, str]] = {
    "ResidentMinterInvalidWindow": ("campaign_invalid_window", "The start must be before the end, and the end in the future.",
                                    "開始日時は終了日時より前に、終了日時は未来にしてください。"),
    "ResidentMinterInvalidPrice": ("campaign_invalid_price", "The price is above what the minter can store.",
                                   "価格が上限を超えています。"),
    "ResidentMinterInvalidSupply": ("campaign_invalid_supply", "The number of cards must be 1 to 16,777,215 and not "
                                    "below the cards already claimed.", "発行枚数は1〜16,777,215で、受け取り済みの枚数以上にしてください。"),
    "ResidentMinterInvalidWalletLimit": ("campaign_invalid_wallet_limit", "The limit per wallet must be 1 to 65,535.",
                                         "1ウォレットあたりの上限は1〜65,535にしてください。"),
    "ResidentMinterInvalidTier": ("campaign_invalid_tier", "This tier does not exist in the collection.",
                                  "このランクはコレクションにありません。"),
    "ResidentMinterInvalidValidity": ("campaign_invalid_validity", "Give either a validity period or a fixed expiry "
                                      "after the campaign's end, not both.",
                                      "有効期間か、キャンペーン終了後の有効期限のどちらか一方を指定してください。"),
    "ResidentMinterCampaignClosed": ("campaign_closed", "This campaign is closed; closing is final.",
                                     "このキャンペーンは終了済みです（終了は取り消せません）。"),
    "ResidentMinterUnknownCampaign": ("campaign_unknown", "The minter has no such campaign.",
                                      "ミンターにこのキャンペーンはありません。"),
    "AccessControlUnauthorizedAccount": ("issuer_not_minter_admin", "The backend's issuer key may not manage this "
                                         "minter's campaigns (it needs the minter's admin role).",
                                         "バックエンドの発行者鍵にこのミンターの管理権限がありません。"),
    "ResidentMinterCampaignNotStarted": (SCHEDULED, *REASONS[SCHEDULED]),
    "ResidentMinterCampaignEnded": (ENDED, *REASONS[ENDED]),
    "ResidentMinterCampaignPaused": (PAUSED, *REASONS[PAUSED]),
    "ResidentMinterSoldOut": (SOLD_OUT, *REASONS[SOLD_OUT]),
    "ResidentMinterWalletLimitExceeded": ("already_claimed", *REASONS["already_claimed"]),
    "ResidentMinterInvalidProof": ("not_on_allowlist", *REASONS["not_on_allowlist"]),
    "ResidentMinterNullifierUsed": ("voucher_used", *REASONS["voucher_used"]),
    "ResidentMinterVoucherReplayed": ("voucher_used", *REASONS["voucher_used"]),
    "ResidentMinterVoucherExpired": ("voucher_expired", "The voucher has expired: ask the municipality for a new one.",
                                     "バウチャーの有効期限が切れています。自治体に新しいバウチャーを依頼してください。"),
    "ResidentMinterWrongPayment": ("insufficient_funds", "The payment is below the price.", "支払額が価格に足りません。"),
    "ResidentCardWalletCapExceeded": ("wallet_full", *REASONS["wallet_full"]),
    "ResidentCardReceiverHoldsCard": ("wallet_full", *REASONS["wallet_full"]),
    "ResidentCardPaused": ("collection_paused", "The collection is paused: no card can be issued now.",
                           "コレクションが一時停止中のため、住民証を発行できません。"),
}


def reason(code: str) -> tuple[str, str]:
    """(English, Japanese) of a holder-facing reason code."""
    return REASONS[code]


def for_revert(error: str) -> tuple[str, str, str]:
    """(code, English, Japanese) for a revert naming custom error `error`; the name is kept in the text."""
    code, en, ja = REVERTS.get(error, ("transaction_refused", "The contract refused the transaction.",
                                       "コントラクトが取引を拒否しました。"))
    return code, f"{en} ({error})", f"{ja}（{error}）"
