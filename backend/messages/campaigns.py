"""Campaigns: why a holder can or cannot claim, and why the minter or the card refused a transaction
(backend/campaigns/reasons.py maps each custom error to one of these)."""

from backend.messages.entry import CONFLICT, DETAIL, INVALID, VERDICT, Message

MESSAGES = {
    # a holder's claim, checked against the chain before the wallet sends anything
    "eligible": Message("このキャンペーンで住民証を受け取れます。ウォレットで取引を承認してください。",
                        "You can claim a card in this campaign: confirm the transaction in your wallet.", VERDICT),
    "not_on_allowlist": Message("このウォレットは対象者リストにありません。申し込み済みの場合は、自治体に伝えたウォレットで"
                                "サインインしているか確認してください。",
                                "This wallet is not on the campaign's list. If you applied, check that you signed in "
                                "with the wallet you gave the municipality.", CONFLICT),
    "already_claimed": Message("このウォレットは、このキャンペーンで受け取れる上限に達しています。",
                               "This wallet has already claimed everything this campaign allows it.", CONFLICT),
    "sold_out": Message("このキャンペーンの住民証はすべて受け取られました。", "All cards of this campaign have been claimed.",
                        CONFLICT),
    "scheduled": Message("このキャンペーンはまだ始まっていません。開始後にもう一度お試しください。",
                         "This campaign has not started yet; come back when it opens.", CONFLICT),
    "ended": Message("このキャンペーンは終了しました。", "This campaign has ended.", CONFLICT),
    "paused": Message("自治体がこのキャンペーンを一時停止しています。しばらくしてからお試しください。",
                      "The municipality has paused this campaign for now; try again later.", CONFLICT),
    "closed": Message("このキャンペーンは締め切られました。", "This campaign is closed.", CONFLICT),
    "no_voucher": Message("このウォレットのバウチャーはまだありません。本人確認の後に自治体が発行します。"
                          "自治体に連絡してから、もう一度お試しください。",
                          "There is no voucher for this wallet yet: the municipality issues one after checking your "
                          "identity. Contact them, then come back.", CONFLICT),
    "voucher_used": Message("バウチャーは使用済みです。この方はすでにこのコレクションの住民証を受け取っています。",
                            "Your voucher has already been used: this person has received a card of this collection.",
                            CONFLICT),
    "wallet_full": Message("このウォレットは、このコレクションの住民証を上限まで保有しています。",
                           "This wallet already holds as many cards of this collection as it may (one per person for "
                           "resident cards).", CONFLICT),
    "insufficient_funds": Message("ウォレットの残高が、価格と手数料に足りません。",
                                  "The wallet does not hold enough to pay the price and the network fee.", CONFLICT),
    "claim_refused": Message("コントラクトがこの受け取りを拒否します。", "The contract would refuse this claim.", CONFLICT),
    # a transaction the minter or the card refused, by its custom error
    "campaign_invalid_window": Message("開始日時は終了日時より前に、終了日時は未来にしてください。",
                                       "The start must be before the end, and the end in the future.", INVALID),
    "campaign_invalid_price": Message("価格が上限を超えています。", "The price is above what the minter can store.", INVALID),
    "campaign_invalid_supply": Message("発行枚数は1〜16,777,215で、受け取り済みの枚数以上にしてください。",
                                       "The number of cards must be 1 to 16,777,215 and not below the cards already "
                                       "claimed.", INVALID),
    "campaign_invalid_wallet_limit": Message("1ウォレットあたりの上限は1〜65,535にしてください。",
                                             "The limit per wallet must be 1 to 65,535.", INVALID),
    "campaign_invalid_tier": Message("このランクはコレクションにありません。", "This tier does not exist in the collection.",
                                     INVALID),
    "campaign_invalid_validity": Message("有効期間か、キャンペーン終了後の有効期限のどちらか一方を指定してください。",
                                         "Give either a validity period or a fixed expiry after the campaign's end, not "
                                         "both.", INVALID),
    "campaign_closed": Message("このキャンペーンは終了済みです（終了は取り消せません）。",
                               "This campaign is closed; closing is final.", CONFLICT),
    "campaign_unknown": Message("ミンターにこのキャンペーンはありません。", "The minter has no such campaign.", CONFLICT),
    "issuer_not_minter_admin": Message("バックエンドの発行者鍵にこのミンターの管理権限がありません。",
                                       "The backend's issuer key may not manage this minter's campaigns (it needs the "
                                       "minter's admin role).", CONFLICT),
    "voucher_expired": Message("バウチャーの有効期限が切れています。自治体に新しいバウチャーを依頼してください。",
                               "The voucher has expired: ask the municipality for a new one.", CONFLICT),
    "collection_paused": Message("コレクションが一時停止中のため、住民証を発行できません。",
                                 "The collection is paused: no card can be issued now.", CONFLICT),
    "transaction_refused": Message("コントラクトが取引を拒否しました。", "The contract refused the transaction.", CONFLICT),
    "revert_name": Message("（{error}）", "({error})", DETAIL),
    "payment_below_price": Message("支払額が価格に足りません（{error}）。", "The payment is below the price ({error}).",
                                   DETAIL),
    # vouchers signed from the console
    "voucher_signer_missing": Message("発行者鍵にバウチャーの署名権限（VOUCHER_SIGNER_ROLE）がありません。",
                                      "The backend's issuer key may not sign vouchers for this minter: grant it "
                                      "VOUCHER_SIGNER_ROLE.", CONFLICT),
}
