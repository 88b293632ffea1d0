"""Perks: the verdicts a holder and a venue see (backend/perks/rules.py) and staff's perk edits."""

from backend.messages.entry import CONFLICT, DETAIL, INVALID, NOT_FOUND, VERDICT, Message

MESSAGES = {
    # verdicts
    "ok": Message("利用できます。", "OK: the perk can be used.", VERDICT),
    "perk_inactive": Message("この特典は現在停止中です。", "This perk is not active at the moment.", VERDICT),
    "card_revoked": Message("このカードは失効しています（取消済み）。", "This card has been revoked.", VERDICT),
    "card_opted_out": Message("このカードは保有者の申し出により無効です。", "This card was given up by its holder.", VERDICT),
    "card_reissued": Message("このカードは再発行により無効です。新しいカードをお使いください。",
                             "This card was replaced by a re-issued card; use the new one.", VERDICT),
    "card_burned": Message("このカードは存在しません（焼却済み）。", "This card no longer exists (burned).", VERDICT),
    "card_orphaned": Message("このカードはブロックチェーン上で確認できません。",
                             "This card is not on the chain (its blocks were replaced).", VERDICT),
    "card_unknown": Message("このカードは見つかりません。", "This card does not exist.", VERDICT),
    "card_expired": Message("このカードは有効期限切れです（{expired_on}）。", "This card expired on {expired_on}.", VERDICT),
    "tier_too_low": Message("この特典はランク{min_tier}以上のカードが対象です（このカード：ランク{tier}）。",
                            "This perk needs a tier {min_tier} card or higher (this card is tier {tier}).", VERDICT),
    "not_soulbound": Message("この特典は譲渡できない（ソウルバウンド）カードのみ対象です。",
                             "This perk is only for non-transferable (soulbound) cards.", VERDICT),
    "held_too_short": Message("この特典はカードを{min_days}日以上保有している方が対象です（あと{days_left}日）。",
                              "This perk needs the card held for at least {min_days} days ({days_left} more to go).",
                              VERDICT),
    "limit_day": Message("本日はすでに利用済みです（1日{limit}回まで）。日本時間の0時に再び利用できます。",
                         "Already used today (limit {limit} a day); usable again after midnight Japan time.", VERDICT),
    "limit_year": Message("今年の利用回数の上限（{limit}回）に達しています。", "The yearly limit of {limit} uses has been reached.",
                          VERDICT),
    # staff creating or changing a perk
    "perk_invalid": Message("特典の設定が正しくありません（特典は町の中またはオンラインで利用するものに限られ、返礼品の発送は"
                            "できません）: {reason}", "The perk is not valid: {reason}.", INVALID),
    "perk_venue_kind": Message("オンラインで利用する特典（{kind}）には施設を設定できません。",
                               "A {kind} perk is used online; it cannot have venues.", INVALID),
    "remove_venues_too": Message("同じ変更で施設を外してください（venue_ids: []）。",
                                 "Remove its venues (venue_ids: []) in the same change.", DETAIL),
    "venue_unknown": Message("この自治体に施設 {venue_ids} はありません。", "No venue {venue_ids} in this municipality.",
                             INVALID),
    "null_value": Message("{fields} は空にできません。変更しない場合は項目ごと省いてください。",
                          "{fields} cannot be null: leave the field out to keep it.", INVALID),
}

# a holder asking for a pass (backend/api/holder/perks.py) and staff's perk pages
MESSAGES.update({
    "collection_invalid": Message("collection にはコレクションIDかコントラクトアドレスを指定してください。",
                                  "collection must be a collection id or a contract address.", INVALID),
    "perk_not_found": Message("特典 {perk_id} はありません。", "No perk {perk_id}.", NOT_FOUND),
    "not_for_this_card": Message("（このカードのコレクションの特典ではありません）", "(not for this card's collection)", DETAIL),
    "perk_used_online": Message("この特典はオンラインで利用します。パスは不要です。",
                                "This perk is used online; no pass is needed.", CONFLICT),
})
