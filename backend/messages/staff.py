"""The staff console's own refusals: municipalities, collections by deployment record, forums, jobs, venues."""

from backend.messages.entry import CONFLICT, DETAIL, FORBIDDEN, INVALID, NOT_FOUND, Message

MESSAGES = {
    "superuser_required": Message("自治体の追加はスーパーユーザーのみ可能です。", "Only a superuser may add a municipality.",
                                  FORBIDDEN),
    "municipality_exists": Message("自治体 {slug!r} はすでに登録されています。", "A municipality {slug!r} already exists.",
                                   CONFLICT),
    "record_unusable": Message("デプロイ記録を読み込めません: {reason}", "The deployment record cannot be used: {reason}",
                               INVALID),
    "record_other_chain": Message("この記録はチェーン {record_chain_id} 用です（このバックエンドは {chain_id}）。",
                                  "The record is for chain {record_chain_id}, this backend follows chain {chain_id}.",
                                  INVALID),
    "record_other_municipality": Message("この記録は{owner}のもので、{town}のものではありません。",
                                         "The record belongs to {owner}, not {town}.", INVALID),
    "collection_in_municipality": Message("（自治体 {municipality_id} にコレクション {collection_id} はありません）",
                                          "No collection {collection_id} in municipality {municipality_id}.", DETAIL),
    "invalid_forum": Message("フォーラムの設定が正しくありません: {reason}", "The forum is not valid: {reason}.", INVALID),
    "superuser_only": Message("ジョブの手動実行はスーパーユーザーのみ可能です。", "Only a superuser may run jobs by hand.",
                              FORBIDDEN),
    "job_not_found": Message("ジョブ「{name}」はありません。", "No job named {name!r}.", NOT_FOUND),
    "venue_not_found": Message("施設 {venue_id} はありません。", "No venue {venue_id}.", NOT_FOUND),
    "venue_account_not_found": Message("施設アカウント {account_id} はありません。", "No venue account {account_id}.",
                                       NOT_FOUND),
    "venue_exists": Message("同じ名前の施設がすでにあります。", "A venue with this name already exists here.", CONFLICT),
    "venue_named": Message("（「{name}」）", "({name!r})", DETAIL),
    "null_field": Message("{field} に null は指定できません。", "{field} cannot be null.", INVALID),
    "day_invalid": Message("日付は YYYY-MM-DD の形式で指定してください。", "Dates must be YYYY-MM-DD.", INVALID),
}
