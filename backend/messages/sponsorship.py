"""Sponsored claims: why the municipality's relayer will not send (and pay for) a resident's claim request,
and why the minter refuses one (backend/campaigns/reasons.py maps the ClaimRequest errors here)."""

from backend.messages.entry import CONFLICT, FORBIDDEN, GONE, INVALID, TEXT, TOO_MANY, UNAVAILABLE, Message

MESSAGES = {
    "sponsorship_unavailable": Message("手数料を自治体が負担する受け取りは、まだ設定されていません（RESIDENT_RELAYER_SIGNER）。"
                                       "ご自身のウォレットで受け取るか、自治体にお問い合わせください。",
                                       "Claims paid for by the municipality are not set up here (RESIDENT_RELAYER_SIGNER). "
                                       "Claim with your own wallet, or ask the municipality.", UNAVAILABLE),
    "sponsorship_off": Message("この自治体は、受け取りの手数料を負担していません。ご自身のウォレットで受け取ってください。",
                               "This municipality does not pay the network fee of claims: claim with your own wallet.",
                               CONFLICT),
    "sponsorship_not_covered": Message("このキャンペーンは、自治体が手数料を負担する対象ではありません（{reason}）。"
                                       "ご自身のウォレットで受け取ってください。",
                                       "The municipality does not pay the fee for this campaign ({reason}): claim "
                                       "with your own wallet.", CONFLICT),
    "sponsorship_daily_budget_exhausted": Message("本日分の手数料の予算を使い切りました。明日（日本時間）もう一度お試しください。",
                                                  "Today's budget for paying claim fees is used up: try again "
                                                  "tomorrow (Japan time).", CONFLICT),
    "sponsorship_monthly_budget_exhausted": Message("今月分の手数料の予算を使い切りました。来月もう一度お試しいただくか、"
                                                    "ご自身のウォレットで受け取ってください。",
                                                    "This month's budget for paying claim fees is used up: try again "
                                                    "next month, or claim with your own wallet.", CONFLICT),
    "sponsorship_person_limit": Message("本日の手数料負担の上限（1人 {limit} 回）に達しました。明日もう一度お試しください。",
                                        "You have had your {limit} fee-paid claims for today: try again "
                                        "tomorrow.", TOO_MANY),
    "sponsorship_address_limit": Message("この接続元からの手数料負担の受け取りが、本日の上限（{limit} 回）に達しました。"
                                         "明日もう一度お試しください。",
                                         "This network address has had its {limit} fee-paid claims for today: try "
                                         "again tomorrow.", TOO_MANY),
    "claim_request_other_recipient": Message("この受け取り申請は、サインイン中のウォレットではなく {recipient} 宛てです。"
                                             "このウォレットで申請に署名し直してください。",
                                             "This claim request is for {recipient}, not for the wallet you signed in "
                                             "with: sign a request for this wallet.", FORBIDDEN),
    "claim_request_wrong_campaign": Message("受け取り申請のキャンペーンが、このページのキャンペーンと違います。もう一度署名してください。",
                                            "The claim request names another campaign than this one: sign it again.",
                                            INVALID),
    "claim_request_expired": Message("受け取り申請の有効期限が切れました。もう一度署名してください。",
                                     "The claim request has expired: sign it again.", GONE),
    "claim_request_bad_signature": Message("受け取り申請の署名を確認できません。もう一度署名してください。",
                                           "The claim request's signature does not check out: sign it again.",
                                           INVALID),
    "claim_request_wrong_signer": Message("受け取り申請が、受取人のウォレットで署名されていません。受け取るウォレットで署名してください。",
                                          "The claim request was not signed by the wallet that receives the card: "
                                          "sign it with that wallet.", FORBIDDEN),
    "claim_request_replayed": Message("この受け取り申請はすでに使われました。", "This claim request has already been used.",
                                      CONFLICT),
    "sponsorship_month_below_day": Message("1か月の予算は、1日の予算以上にしてください。",
                                           "The monthly budget must be at least the daily budget.", INVALID),
    # reasons a campaign is not covered ({reason} above)
    "not_covered_other_minter": Message("自治体のミンター以外", "not the municipality's own minter", TEXT),
    "not_covered_priced": Message("有料のキャンペーン", "a paid campaign", TEXT),
    "sponsored_voucher_other_recipient": Message("このバウチャーは、サインイン中のウォレットではなく {recipient} 宛てです。",
                                                 "This voucher is for {recipient}, not for the wallet you signed in "
                                                 "with.", FORBIDDEN),
    "no_voucher_to_sponsor": Message("このアカウント宛てのバウチャーがありません。受け取りリンクを開き直してください。",
                                     "There is no voucher for this account: open your claim link again.", CONFLICT),
}
