"""The staff console's own refusals: municipalities, collections by deployment record, forums, jobs, venues."""

from backend.messages.entry import CONFLICT, DETAIL, FORBIDDEN, GONE, INVALID, NOT_FOUND, TEXT, Message

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
    # scripts/*.py, scripts/publish.py and the indexer (backend/chain/deployments.py check_record)
    "record_foreign_chain": Message(
        "この記録（{path}）は、チェーン ID が同じ {chain_id} の別のチェーンで作られたものです（記録のブロック 0 は "
        "{record_genesis}、このチェーンは {chain_genesis}）。RESIDENT_RPC_URL・RESIDENT_RPC_PORT が目的のチェーンを"
        "指しているか確認してください。指していて記録が古い場合は、記録を別名（例: {name}.old）に移してから"
        "もう一度実行してください。新しくデプロイして記録し直します。",
        "This record ({path}) was written on another chain with the same chain id {chain_id} (its block 0 is "
        "{record_genesis}, this chain's is {chain_genesis}). Check that RESIDENT_RPC_URL / RESIDENT_RPC_PORT name "
        "the chain you mean. If they do and the record is an old one, move it away (e.g. rename it to {name}.old) "
        "and run again: a new collection or minter is deployed and recorded.", TEXT),
    "record_other_municipality": Message("この記録は{owner}のもので、{town}のものではありません。",
                                         "The record belongs to {owner}, not {town}.", INVALID),
    "collection_in_municipality": Message("（自治体 {municipality_id} にコレクション {collection_id} はありません）",
                                          "No collection {collection_id} in municipality {municipality_id}.", DETAIL),
    "forum_url_invalid": Message("フォーラムの URL は http:// または https:// で始まり、ホスト名のある URL にしてください（{url}）。",
                                 "The forum URL must be an http:// or https:// URL with a host name (got {url}).",
                                 INVALID),
    "forum_max_tier": Message("最上位ランクは 0 から {limit} の間にしてください（{max_tier}）。",
                              "The highest tier must be between 0 and {limit} (got {max_tier}).", INVALID),
    "forum_of_another_municipality": Message("フォーラム {url} は別の自治体が登録しています。同じ URL は登録できません。",
                                             "The forum {url} is registered by another municipality: it cannot be "
                                             "registered again here.", CONFLICT),
    "group_name_too_long": Message("Discourse のグループ名は {limit} 文字までですが、「{group}」は {length} 文字になります。"
                                   "グループ名の接頭辞を {max_prefix} 文字以内にしてください。",
                                   "Discourse group names are at most {limit} characters, and {group} would have "
                                   "{length}: use a group prefix of at most {max_prefix} characters.", INVALID),
    "group_name_invalid": Message("「{group}」は Discourse のグループ名に使えません。接頭辞「{prefix}」には半角の英小文字・数字と"
                                  " _ . - が使えます（先頭は英数字か _、末尾は英数字、記号の連続は不可）。",
                                  "{group} is not a valid Discourse group name. A group prefix ({prefix}) may use a-z, "
                                  "0-9, _, . and -, must start with a letter, digit or _, end with a letter or digit, "
                                  "and never have two of _ . - in a row.", INVALID),
    "no_such_forum": Message("（フォーラム {forum_id} はありません）", "No forum {forum_id}.", DETAIL),
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
    # staff accounts: invitations, roles, passwords, two-step sign-in (backend/auth/invites.py, roster.py, totp.py)
    "password_change_required": Message("先に新しいパスワードを設定してください。",
                                        "Set a new password first.", FORBIDDEN),
    "invite_invalid": Message("この招待リンクは無効です（不明・使用済み・期限切れ）。管理者に新しい招待を依頼してください。",
                              "This invitation link is unknown, used or expired: ask an administrator for a new one.",
                              GONE),
    "login_name_needed": Message("一回限りのパスワードで招待するには、新しいアカウントのログイン名が必要です。",
                                 "A one-time password needs a login name for the new account.", INVALID),
    "login_name_invalid": Message("ログイン名は英小文字・数字・「.」「_」「-」の2〜64文字で、英数字で始めてください。",
                                  "A login name is 2-64 of a-z, 0-9, '.', '_' or '-', starting with a letter or digit.",
                                  INVALID),
    "already_staff": Message("{username} はすでにこの自治体のスタッフです。権限を変更してください。",
                             "{username} already works for this municipality: change their role instead.", CONFLICT),
    "staff_not_found": Message("この自治体にスタッフ {staff_id} はいません。",
                               "No staff member {staff_id} in this municipality.", NOT_FOUND),
    "invite_not_found": Message("この自治体に招待 {invite_id} はありません。",
                                "No invitation {invite_id} in this municipality.", NOT_FOUND),
    "last_admin": Message("この自治体の最後の管理者は、権限の変更・削除・無効化ができません。先に別の管理者を追加してください。",
                          "The municipality's last administrator cannot be demoted, removed or deactivated: make "
                          "another administrator first.", CONFLICT),
    "superuser_protected": Message("スーパーユーザーのアカウントを変更できるのはスーパーユーザーだけです。",
                                   "Only a superuser may change a superuser's account.", FORBIDDEN),
    "account_shared": Message("このアカウントは他の自治体でも使われています。無効にする代わりに、この自治体から外してください。",
                              "This account also works for another municipality: remove it from yours instead of "
                              "deactivating it.", FORBIDDEN),
    "deactivate_self": Message("自分のアカウントは無効にできません。必要なら別の管理者に依頼してください。",
                               "You cannot deactivate your own account. If it must be, ask another admin.", CONFLICT),
    "current_password_wrong": Message("現在のパスワードが正しくありません。", "The current password is wrong.", FORBIDDEN),
    "totp_code_wrong": Message("確認コードが正しくないか、すでに使われています。",
                               "The code is wrong or was already used.", INVALID),
    "totp_already_on": Message("2段階認証はすでに有効です。", "Two-step sign-in is already on.", CONFLICT),
    "totp_not_on": Message("2段階認証は有効になっていません。", "Two-step sign-in is not on.", CONFLICT),
    "totp_not_started": Message("先に2段階認証の設定を始めてください。", "Start setting up two-step sign-in first.",
                                CONFLICT),
}
