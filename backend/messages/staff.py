"""The staff console's own refusals: municipalities, collections by deployment record, forums, jobs, venues,
holders (search, revoke, re-issue and what a failed transaction means)."""

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

    # --- holders: search, revoke, re-issue (backend/staff/holders.py, card_actions.py) ---------------------
    "holder_search_invalid": Message("住民番号・カード番号（数字）またはウォレットアドレス（0x で始まる42文字）を入力してください。",
                                     "Type a resident number, a card number (digits) or a wallet address (0x and 40 "
                                     "hexadecimal characters).", INVALID),
    "card_not_active": Message("カード {token_id} はすでに使われていません（{card_status}）。失効も再発行もできません。",
                               "Card {token_id} is no longer in use ({card_status}): it cannot be revoked or "
                               "re-issued.", CONFLICT),
    "card_action_reason_missing": Message("理由を入力してください。記録に残ります。",
                                          "Give a reason: it is kept on record.", INVALID),
    "card_action_in_progress": Message("カード {token_id} には処理中の操作があります。終わるまでお待ちください。",
                                       "An action on card {token_id} is still under way: wait for it to finish.",
                                       CONFLICT),
    "card_action_not_found": Message("操作 {action_id} はありません。", "No card action {action_id}.", NOT_FOUND),
    "reissue_address_invalid": Message("新しいウォレットアドレスは 0x で始まる42文字で入力してください。",
                                       "Type the new wallet address: 0x and 40 hexadecimal characters.", INVALID),
    "reissue_same_wallet": Message("新しいウォレットが今のウォレットと同じです。紛失したウォレットとは別のアドレスを入力してください。",
                                   "The new wallet is the card's current wallet: type the address of a different "
                                   "wallet than the lost one.", INVALID),
    "reissue_receiver_holds_card": Message("ウォレット {wallet} はこのコレクションのカードをすでに {count} 枚持っています。"
                                           "カードを持っていないウォレットを指定してください。",
                                           "The wallet {wallet} already holds {count} card(s) of this collection: "
                                           "give a wallet that holds none.", CONFLICT),
    # What a failed revoke or re-issue means, shown on the card's page (with what to do).
    "card_action_receiver_holds_card": Message("新しいウォレットはすでにカードを持っているため、再発行できませんでした。"
                                               "カードを持っていないウォレットで、もう一度お試しください。",
                                               "The new wallet already holds a card, so the card was not re-issued. "
                                               "Try again with a wallet that holds none.", TEXT),
    "card_action_bad_receiver": Message("新しいアドレスはカードを受け取れないコントラクトです。本人のウォレットのアドレスを確認してください。",
                                        "The new address is a contract that cannot receive cards. Check that it "
                                        "is the holder's own wallet.", TEXT),
    "card_action_not_issuer": Message("バックエンドの発行者鍵にこのコレクションのカードを変更する権限（ISSUER_ROLE）がありません。"
                                      "技術担当者に権限の付与を依頼してから、もう一度お試しください。",
                                      "The backend's issuer key may not change this collection's cards (it lacks "
                                      "ISSUER_ROLE). Ask your engineer to grant it, then try again.", TEXT),
    "card_action_paused": Message("コレクションが一時停止中のため、何も変更されていません。停止を解除してから、もう一度お試しください。",
                                  "The collection is paused, so nothing changed. Resume it, then try again.", TEXT),
    "card_action_card_gone": Message("このカードはブロックチェーン上にもうありません（失効・返上・再発行済み）。ページを再読み込みしてください。",
                                     "This card no longer exists on the blockchain (already revoked, given up or "
                                     "re-issued). Reload the page.", TEXT),
    "card_action_refused": Message("コントラクトが取引を拒否したため、何も変更されていません（{detail}）。"
                                   "カードの状態を確認して、もう一度お試しいただくか、技術担当者に相談してください。",
                                   "The contract refused the transaction, so nothing changed ({detail}). Check the "
                                   "card and try again, or ask your engineer.", TEXT),
    "card_action_chain_down": Message("ブロックチェーンのノードが応答しないため、取引は送信されていません。数分後にもう一度お試しください。",
                                      "The blockchain node did not answer, so nothing was sent. Try again in a "
                                      "few minutes.", TEXT),
    "card_action_unconfirmed": Message("取引 {tx_hash} は送信されましたが、確認が取れていません。二重に送らないよう、"
                                       "数分後にこのページを再読み込みして、カードの状態を確かめてください。",
                                       "The transaction {tx_hash} was sent but not confirmed. Do not send it again: "
                                       "reload this page in a few minutes and check the card's state.", TEXT),
    "card_action_no_record": Message("{symbol} のデプロイ記録がサーバーにないため、何も送信されていません。技術担当者に連絡してください。",
                                     "The server has no deployment record of {symbol}, so nothing was sent. "
                                     "Contact your engineer.", TEXT),
    # why an outbox transaction failed when no contract error says it (the console's transactions tab)
    "tx_broadcast_refused": Message("ネットワークがこの取引を受け付けなかったため、送信されていません。後の取引が止まらないよう、"
                                    "この取引の順番は取り消しの取引で埋めました。",
                                    "The network would not accept this transaction, so it was never sent. Its place "
                                    "in the sender's sequence was filled with a cancel, so later ones are not held up.",
                                    TEXT),
    "tx_nonce_taken": Message("同じ送信元の別の取引が先にこの順番を使ったため、この取引は実行されていません。",
                              "Another transaction from the same sender took its place in the sequence, so this "
                              "one never ran.", TEXT),
}
