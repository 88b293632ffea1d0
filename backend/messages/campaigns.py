"""Campaigns: why a holder can or cannot claim, and why the minter or the card refused a transaction
(backend/campaigns/reasons.py maps each custom error to one of these)."""

from backend.messages.entry import CONFLICT, DETAIL, INVALID, NOT_FOUND, TEXT, UNAVAILABLE, VERDICT, Message

MESSAGES = {
    # a holder's claim, checked against the chain before the wallet sends anything
    "eligible": Message("このキャンペーンで住民カードを受け取れます。ウォレットで取引を承認してください。",
                        "You can claim a card in this campaign: confirm the transaction in your wallet.", VERDICT),
    "not_on_allowlist": Message("このウォレットは対象者リストにありません。申し込み済みの場合は、自治体に伝えたウォレットで"
                                "サインインしているか確認してください。",
                                "This wallet is not on the campaign's list. If you applied, check that you signed in "
                                "with the wallet you gave the municipality.", CONFLICT),
    "already_claimed": Message("このウォレットは、このキャンペーンで受け取れる上限に達しています。",
                               "This wallet has already claimed everything this campaign allows it.", CONFLICT),
    "sold_out": Message("このキャンペーンの住民カードはすべて受け取られました。", "All cards of this campaign have been claimed.",
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
    "voucher_used": Message("バウチャーは使用済みです。この方はすでにこのコレクションの住民カードを受け取っています。",
                            "Your voucher has already been used: this person has received a card of this collection.",
                            CONFLICT),
    "recipient_not_verified": Message("このウォレットの方はまだ本人確認をしていません。住民カードのページで、このウォレットで本人確認"
                                      "（マイナンバーカード）をしてもらってください。",
                                      "This wallet's holder has not verified their identity: ask them to verify it "
                                      "(My Number card) on the holder page with this wallet first.", CONFLICT),
    "wallet_full": Message("このウォレットは、このコレクションの住民カードを上限まで保有しています。",
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
    "collection_paused": Message("コレクションが一時停止中のため、住民カードを発行できません。",
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

# Problems of a CSV list (backend/campaigns/csvfile.py), one per cell, row or file; staff fix them in Excel.
MESSAGES.update({
    "csv_where_file": Message("ファイル全体", "file", TEXT),
    "csv_where_line": Message("{line}行目", "line {line}", TEXT),
    "csv_where_column": Message("・{column}列", ", column {column}", TEXT),
    "csv_where_cell": Message("（セル {cell}）", " (cell {cell})", TEXT),
    "csv_invalid_file": Message("{source}: このCSVファイルに{count}件の問題があります。何も取り込んでいません。"
                                "ファイルを修正してから、もう一度取り込んでください。",
                                "{source}: {count} problem(s) in this CSV file; nothing was imported. Fix the file and "
                                "import it again.", TEXT),
    "csv_more_problems": Message("ほか{hidden}件", "... and {hidden} more (all are in .problems)", TEXT),
    "csv_utf16": Message("ファイルが「Unicode テキスト」(UTF-16) で保存されています。Excelの「名前を付けて保存」で"
                         "「CSV UTF-8 (コンマ区切り)」を選んで保存し、そのファイルを取り込んでください",
                         "the file is saved as Unicode text (UTF-16): in Excel choose File > Save As > \"CSV UTF-8 "
                         "(comma delimited)\" and import that file", TEXT),
    "csv_bad_bytes": Message("この行にUTF-8でもShift_JISでもない文字があります。ファイルが壊れているか別の形式です。"
                             "Excelで開いて「CSV UTF-8 (コンマ区切り)」で保存し直してください",
                             "this line has bytes that are neither UTF-8 nor Shift_JIS text; the file may be damaged "
                             "or in another format: open it in Excel and save it as \"CSV UTF-8 (comma delimited)\"",
                             TEXT),
    "csv_unreadable_line": Message("この行をCSVとして読めません ({reason})。引用符(\")の対応と制御文字を確認してください",
                                   "the line cannot be read as CSV ({reason}); check quotes and remove control "
                                   "characters", TEXT),
    "csv_address_empty": Message("アドレスが空です。ウォレットのアドレス（0xに続く16進数40桁）を入力してください",
                                 "the address is empty: write the wallet address (0x followed by 40 hex digits)", TEXT),
    "csv_address_no_0x": Message("アドレスは0xで始まる必要があります。0x{text} と入力してください",
                                 "the address must start with 0x: write 0x{text}", TEXT),
    "csv_not_an_address": Message("{text!r} はウォレットのアドレスではありません。0xに続く16進数40桁で入力してください",
                                  "{text!r} is not a wallet address: it must start with 0x followed by 40 hex digits",
                                  TEXT),
    "csv_address_not_hex": Message("アドレスに16進数(0-9, a-f)以外の文字 {char!r} が含まれています。"
                                   "ウォレットからもう一度コピーしてください",
                                   "the address contains {char!r}, which is not a hex digit (0-9, a-f): copy it again "
                                   "from the wallet", TEXT),
    "csv_address_length": Message("アドレスの0x以降が{digits}桁です（正しくは40桁）。文字の欠けか余分があります。"
                                  "ウォレットからもう一度コピーしてください",
                                  "the address has {digits} hex digits after 0x instead of 40: a character is missing "
                                  "or extra; copy it again from the wallet", TEXT),
    "csv_address_checksum": Message("アドレスの大文字・小文字のチェックサム(EIP-55)が合いません。入力ミスがあります。"
                                    "ウォレットからもう一度コピーしてください",
                                    "the address mixes upper and lower case but its EIP-55 checksum is wrong, so it "
                                    "has a typo: copy it again from the wallet", TEXT),
    "csv_zero_address": Message("ゼロアドレス(0x000…0)はカードを受け取れません。受取人のウォレットアドレスを入力してください",
                                "the zero address (0x000…0) cannot hold a card: write the recipient's wallet address",
                                TEXT),
    "csv_price_example": Message("価格はチェーンのトークン（ETH、POLなど）の数量で、単位を付けずに小数点で入力してください"
                                 "（例: 0.01、無料は0）",
                                 "write the price in the chain's token (ETH, POL, ...) with a dot, no unit, e.g. 0.01; "
                                 "0 = free", TEXT),
    "csv_price_fiat": Message("{text!r} は法定通貨の金額のようです。{example}", "{text!r} looks like a fiat amount; {example}",
                              TEXT),
    "csv_price_not_number": Message("{text!r} は数値ではありません。{example}", "{text!r} is not a number: {example}", TEXT),
    "csv_price_negative": Message("価格 {text} が負の数です。{example}", "the price {text} is negative: {example}", TEXT),
    "csv_price_decimals": Message("価格 {text} の小数点以下が18桁を超えています。丸めてください",
                                  "the price {text} has more than 18 decimal places (1 wei = 0.000000000000000001): "
                                  "round it", TEXT),
    "csv_price_too_large": Message("価格 {text} が大きすぎます。価格はweiではなくトークン単位です。{example}",
                                   "the price {text} is too large: prices are in whole tokens, not wei; {example}", TEXT),
    "csv_limit_invalid": Message("上限 {text!r} は1から{max}までの整数（このウォレットが受け取れる枚数）で入力するか、"
                                 "キャンペーンの上限を使う場合は空欄にしてください",
                                 "the limit {text!r} must be a whole number from 1 to {max} (cards this wallet may "
                                 "claim), or empty for the campaign's limit", TEXT),
    "csv_tier_invalid": Message("ランク {text!r} は0から{max}までの整数（0=ベーシック、1=プレミアム）で入力するか、"
                                "空欄にしてください",
                                "the tier {text!r} must be a whole number from 0 to {max} (0 = basic, 1 = premium), "
                                "or empty for the airdrop's tier", TEXT),
    "csv_empty": Message("ファイルが空です。1行目に列名の見出し（{names}）、2行目から1行に1つのウォレットを入力してください",
                         "the file is empty: the first row must be a header naming the columns ({names}), then one row "
                         "per wallet", TEXT),
    "csv_cell_right_of_header": Message("見出しのある列より右にセルがあります。値を正しい列に移すか、この列に見出しを付けて"
                                        "ください（メモとして残す場合は「備考」）",
                                        "this cell is right of the last column that has a header: move the value into "
                                        "its column, or give the column a header (memo / 備考 keeps it as a note)", TEXT),
    "csv_address_twice": Message("アドレス {address} が{first}行目と{line}行目にあります。どちらか1行だけ残してください",
                                 "the address {address} is on lines {first} and {line}: keep only one of the two lines",
                                 TEXT),
    "csv_no_rows": Message("見出しの下にデータ行がありません。1行に1つのウォレットを入力してください",
                           "there are no rows under the header: add one row per wallet", TEXT),
    "csv_wrong_separator": Message("列の区切りがセミコロンまたはタブです。Excelで「CSV (コンマ区切り)」として保存し直してください",
                                   "the file uses semicolons or tabs between columns: save it from Excel as CSV (comma "
                                   "delimited)", TEXT),
    "csv_column_without_header": Message("この列には値がありますが見出しがありません。{line}行目に列名（{allowed}）を入力して"
                                         "ください",
                                         "this column has values but no header: write its name in row {line} ({allowed})",
                                         TEXT),
    "csv_header_missing": Message("1行目は見出し行にしてください。上に1行挿入して列名（{allowed}）を入力してください",
                                  "the first row must be the header: insert a row above it with the column names "
                                  "({allowed})", TEXT),
    "csv_column_unknown": Message("列名 {name!r} は使えません。{allowed} のいずれかに変更してください",
                                  "the column name {name!r} is not known: rename it to one of {allowed}", TEXT),
    "csv_column_unused": Message("列 {name!r}（{kind}）はこの種類のリストでは使いません。列を削除するか、"
                                 "メモとして残す場合は列名を「備考」にしてください",
                                 "the column {name!r} ({kind}) is not used in this kind of list: delete the column, or "
                                 "rename it to memo / 備考 to keep it as a note", TEXT),
    "csv_column_twice": Message("{kind} を表す列が2つあります（{first_letter}列 {first!r} と {letter}列 {name!r}）。"
                                "どちらか一方にしてください",
                                "two columns mean {kind}: {first!r} ({first_letter}) and {name!r} ({letter}); keep one",
                                TEXT),
    "csv_no_address_column": Message("アドレスの列がありません。見出し行に「アドレス」「ウォレット」または address という列が"
                                     "必要です",
                                     "no address column: the header row needs a column named address, アドレス or "
                                     "ウォレット", TEXT),
    "csv_no_file": Message("{path} にファイルがありません。パスを確認してください", "there is no file at {path}: check the path",
                           TEXT),
    "csv_is_folder": Message("{path} はフォルダーです。CSVファイルを指定してください", "{path} is a folder, not a CSV file",
                             TEXT),
})

# Problems of a campaign file (backend/campaigns/config.py), printed "<field>: <English> / <Japanese>".
MESSAGES.update({
    "config_invalid_file": Message("{path}: キャンペーン設定に問題があります。次の点を直してから、もう一度実行してください。",
                                   "{path}: the campaign file is not valid; fix these and run again.", TEXT),
    "config_missing": Message("必須項目です。書き足してください", "a required field: add it", TEXT),
    "config_extra_forbidden": Message("知らない項目です。綴りを確認してください", "not a known field: check the spelling",
                                      TEXT),
    "config_integer": Message("整数で書いてください", "write a whole number", TEXT),
    "config_int_from_float": Message("整数で書いてください（小数は使えません）", "write a whole number (no decimals)", TEXT),
    "config_boolean": Message("true か false で書いてください", "write true or false", TEXT),
    "config_string": Message("文字列で書いてください", "write text", TEXT),
    "config_at_least": Message("{ge} 以上にしてください", "must be {ge} or more", TEXT),
    "config_at_most": Message("{le} 以下にしてください", "must be {le} or less", TEXT),
    "config_pattern": Message("使える文字は英数字・ハイフン・アンダースコアです",
                              "use only letters, digits, hyphens and underscores", TEXT),
    "config_empty": Message("空にできません", "cannot be empty", TEXT),
    "config_too_long": Message("長すぎます", "is too long", TEXT),
    "config_datetime": Message("日時は 2026-12-01T10:00:00+09:00 の形で書いてください",
                               "write a date and time like 2026-12-01T10:00:00+09:00", TEXT),
    "config_time_zone": Message("タイムゾーンを付けてください（例 +09:00）", "add a time zone, e.g. 2026-12-01T10:00:00+09:00",
                                TEXT),
    "config_price_unit": Message("価格はこのブロックチェーンの通貨の単位で書いてください（例 \"0.01\"）",
                                 "write the price in the blockchain's own currency (ETH, POL...), e.g. \"0.01\"", TEXT),
    "config_price_not_number": Message("「{value}」は数値ではありません（例 \"0.01\"）",
                                       "\"{value}\" is not a number; write e.g. \"0.01\"", TEXT),
    "config_price_negative": Message("価格は0以上にしてください（{value}）", "the price must be 0 or more (got {value})", TEXT),
    "config_price_decimals": Message("小数点以下は18桁までです（{value}）", "{value} has more than 18 decimals", TEXT),
    "config_price_too_large": Message("価格が上限を超えています（{value}）",
                                      "{value} is above the largest price the minter stores (1,208,925)", TEXT),
    "config_root_quotes": Message("ルートは引用符で囲んでください", "put the root in quotes, e.g. allowlist_root: '0xabc…'",
                                  TEXT),
    "config_root_form": Message("0xと16進数64桁で書いてください", "must be 0x and 64 hex digits (a Merkle root)", TEXT),
    "config_end_before_start": Message("終了日時は開始日時より後にしてください", "must be after start", TEXT),
    "config_allowlist_twice": Message("allowlist と allowlist_root はどちらか一方だけにしてください",
                                      "give allowlist (a CSV) or allowlist_root, not both", TEXT),
    "config_voucher_allowlist": Message("バウチャー方式のキャンペーンには許可リストを付けられません",
                                        "a voucher campaign has no allowlist (the voucher decides who claims)", TEXT),
    "config_no_file": Message("ファイルがありません。config/campaigns/ の例をコピーしてください",
                              "the file does not exist; copy one in config/campaigns/", TEXT),
    "config_not_yaml": Message("YAMLとして読めません（{reason}）", "not valid YAML: {reason}", TEXT),
    "config_not_mapping": Message("collection・name・start・end などの項目が必要です",
                                  "expected fields such as collection, name, start, end", TEXT),
})

# Errors of the campaign tools (Merkle tree, vouchers, airdrop), printed "<English> / <Japanese>".
MESSAGES.update({
    "allowlist_empty": Message("許可リストに1件以上のアドレスが必要です", "an allowlist needs at least one address", TEXT),
    "not_on_the_allowlist": Message("{address} は許可リストにありません", "{address} is not on the allowlist", TEXT),
    "not_a_voucher_campaign": Message("キャンペーン {campaign_id} はバウチャー方式ではありません",
                                      "campaign {campaign_id} is not a voucher campaign", TEXT),
    "voucher_campaign_closed": Message("キャンペーン {campaign_id} は終了しています", "campaign {campaign_id} is closed", TEXT),
    "not_a_voucher_file": Message("バウチャーのファイルが正しくありません（{reason}）",
                                  "not a voucher file ({reason}); ask the municipality for a new one", TEXT),
    "airdrop_dry_run": Message("試算: {cards}枚を{batches}回の取引で発行（1回あたり最大{largest}枚）、スキップ {skipped}件。"
                               "手数料は約{cost} {token}（ガス {gas}、{gwei} gwei）。何も送信していません。",
                               "Dry run: {cards} cards in {batches} transaction(s) (up to {largest} cards each), "
                               "{skipped} wallet(s) skipped; fee about {cost} {token} ({gas} gas at {gwei} gwei). "
                               "Nothing was sent.", TEXT),
    "airdrop_skipped_holder": Message("{line}行目 {address}: すでにこのコレクションのカードを持っているため、送りません"
                                      "（1つのウォレットに1枚まで）",
                                      "line {line} {address}: skipped, it already holds a card of this collection "
                                      "(one card per wallet)", TEXT),
    "airdrop_skipped_other": Message("{line}行目 {address}: 送りません（{reason}）", "line {line} {address}: skipped "
                                     "({reason})", TEXT),
    "airdrop_tier_too_high": Message("ランク {tier} はこのコレクションの最大ランク {max_tier} を超えています。0から{max_tier}に"
                                     "してください",
                                     "the tier {tier} is above the collection's highest tier {max_tier}: use 0 to "
                                     "{max_tier}", TEXT),
    "airdrop_wallet_full": Message("{address} はすでに{held}枚を保有しており、{symbol} の上限 ({cap}枚) に達しています。"
                                   "この行を削除してください",
                                   "{address} already holds {held} cards, the most a wallet may hold in {symbol} ({cap}): "
                                   "remove the line", TEXT),
    # the console's airdrop jobs (backend/campaigns/airdrop_jobs.py)
    "airdrop_crashed": Message("予期しないエラーでエアドロップが止まりました: {reason}",
                               "The airdrop stopped on an unexpected error: {reason}", TEXT),
    "airdrop_no_record": Message("{symbol} のデプロイ記録がサーバーにありません。",
                                 "The deployment record of {symbol} is missing on this server.", TEXT),
    "airdrop_rows_invalid": Message("リストの{count}行はエアドロップできません。何も送信していません。"
                                    "修正してから、もう一度アップロードしてください。",
                                    "{count} row(s) of the list cannot be airdropped; nothing was sent. Fix them and "
                                    "upload the list again.", TEXT),
    "airdrop_failed": Message("エアドロップを完了できませんでした。再試行できます: {reason}", "{reason}", TEXT),
    "airdrop_done": Message("{issued}枚を発行しました。すでにカードを持つ{skipped}件はスキップしました。",
                            "Issued {issued} card(s); {skipped} wallet(s) skipped as they already hold a card.", TEXT),
})

# refusals of the staff console's campaign routes (backend/api/staff/campaigns.py, backend/campaigns/service.py)
MESSAGES.update({
    # {campaign_id} is the URL's record handle, not the campaign number (the on-chain id) people know it by.
    "campaign_not_found": Message("このキャンペーンはありません（記録 {campaign_id}）。",
                                  "No such campaign (record {campaign_id}).", NOT_FOUND),
    "allowlist_not_found": Message("この自治体に許可リスト {allowlist_id} はありません。",
                                   "No allowlist {allowlist_id} in this municipality.", NOT_FOUND),
    "minter_missing": Message("コレクション {symbol} にはまだミンターがありません。scripts/campaign.py でデプロイしてください。",
                              "Collection {symbol} has no campaign minter on this chain yet: deploy it with "
                              "scripts/campaign.py (make run does it for the demo).", CONFLICT),
    "not_voucher_campaign": Message("このキャンペーンはバウチャー方式ではありません。",
                                    "This campaign is not a voucher campaign.", CONFLICT),
    "campaign_ended": Message("このキャンペーンは受け取りを終了しています。", "This campaign has ended; it no longer accepts "
                              "claims.", CONFLICT),
    "voucher_invalid": Message("バウチャーを作成できません: {reason}", "The voucher cannot be made: {reason}", INVALID),
    "csv_invalid": Message("このCSVファイルに{count}件の問題があります。何も取り込んでいません。表示された行を修正してから、"
                           "もう一度アップロードしてください。",
                           "{count} problem(s) in this CSV file; nothing was imported. Fix the rows shown and upload "
                           "it again.", INVALID),
    "airdrop_running": Message("このリストはすでにエアドロップ中です（ジョブ {job_id}）。",
                               "This list is already being airdropped (job {job_id}).", CONFLICT),
    "airdrop_not_found": Message("エアドロップ {job_id} はありません。", "No airdrop {job_id}.", NOT_FOUND),
    "airdrop_dry_run_refused": Message("この配布は試算できません: {reason}", "This airdrop cannot be tried out: {reason}",
                                       CONFLICT),
    "airdrop_dry_run_no_record": Message("{symbol} のデプロイ記録がサーバーにないため、試算できません。",
                                         "The deployment record of {symbol} is missing on this server: no dry run.",
                                         UNAVAILABLE),
    "airdrop_not_failed": Message("再試行できるのは失敗したエアドロップだけです。", "Only a failed airdrop can be retried.",
                                  CONFLICT),
    # a campaign's fields that do not fit together (422 naming the problem, as pydantic errors do)
    "campaign_ends_before_start": Message("終了日時は開始日時より後にしてください。", "ends_at must be after starts_at",
                                          DETAIL),
    "campaign_validity_and_expiry": Message("有効日数と有効期限はどちらか一方だけにしてください。",
                                            "give validity_days or expires_at, not both", DETAIL),
    "voucher_campaign_allowlist": Message("バウチャー方式には許可リストを付けられません。",
                                          "a voucher campaign has no allowlist", DETAIL),
})

# Before a voucher or a claim link is handed out (backend/campaigns/precheck.py simulates its claim), and the
# claim links themselves (backend/campaigns/claim_links.py): what went wrong and what to do.
MESSAGES.update({
    "precheck_wallet_full": Message("ウォレット {wallet} はこのコレクションの住民カードをすでに{held}枚持っていて、1つのウォレットが"
                                    "持てるのは{cap}枚までです。このままでは受け取りが拒否されるため、バウチャーを発行していません。"
                                    "住民カードを持っていない別のウォレットを教えてもらってください。",
                                    "The wallet {wallet} already holds {held} card(s) of this collection and a wallet "
                                    "may hold {cap}: its claim would be refused, so no voucher was issued. Ask the "
                                    "holder for another wallet that holds no card of this collection.", CONFLICT),
    "precheck_wallet_claimed": Message("このウォレットは、このキャンペーンで受け取れる上限まで受け取っています。バウチャーは発行して"
                                       "いません。", "This wallet has already claimed as many cards as this campaign "
                                       "allows it: no voucher was issued.", CONFLICT),
    "precheck_paused": Message("キャンペーンが一時停止中です。再開してから、バウチャーや受け取りリンクを配ってください。",
                               "The campaign is paused: resume it, then hand out vouchers or claim links.", CONFLICT),
    "precheck_scheduled": Message("キャンペーンは{date}に始まります。バウチャーや受け取りリンクは開始後に配ってください。",
                                  "The campaign starts on {date}: hand out vouchers or claim links once it has "
                                  "started.", CONFLICT),
    "precheck_sold_out": Message("このキャンペーンの住民カードはすべて受け取られています。枚数を増やすか、新しいキャンペーンを作って"
                                 "ください。", "Every card of this campaign has been claimed: raise the number of cards "
                                 "or create a new campaign.", CONFLICT),
    "precheck_collection_paused": Message("コレクションが一時停止中のため、今は住民カードを発行できません。コレクションの一時停止を解除"
                                          "してから配ってください。", "The collection is paused, so no card can be issued "
                                          "now: unpause it, then hand these out.", CONFLICT),
    "precheck_refused": Message("試しに受け取りを実行したところ、コントラクトが拒否しました（{error}）。何も配っていません。",
                                "A test claim was refused by the contract ({error}); nothing was handed out.", CONFLICT),
    "claim_links_over_supply": Message("このキャンペーンの残りは{remaining}枚です。受け取りリンクは{remaining}件以下にしてください。",
                                       "Only {remaining} card(s) are left in this campaign: make at most {remaining} "
                                       "claim link(s).", CONFLICT),
    "claim_link_not_found": Message("この受け取りリンクは無効です。届いたメールや用紙のリンクを、そのまま開いてください。",
                                    "This claim link is not valid: open the link exactly as it was in your email or "
                                    "on your sheet.", NOT_FOUND),
    "claim_link_used": Message("この受け取りリンクは使用済みです（{date}に別のウォレットで使われました）。心当たりがない場合は"
                               "自治体に連絡してください。", "This claim link has already been used (on {date}, by "
                               "another wallet). If that was not you, contact the municipality.", CONFLICT),
    "claim_link_csv_title": Message("受け取りリンク", "Claim link", TEXT),
    "claim_link_csv_number": Message("番号", "No.", TEXT),
    "claim_link_csv_campaign": Message("キャンペーン", "Campaign", TEXT),
    "claim_link_csv_status": Message("状態", "Status", TEXT),
    "claim_link_csv_created": Message("作成日", "Created", TEXT),
    "claim_link_csv_used": Message("使用日", "Used on", TEXT),
    "claim_link_csv_wallet": Message("使用したウォレット", "Used by wallet", TEXT),
    "claim_link_unused": Message("未使用", "not used", TEXT),
    "claim_link_used_state": Message("使用済み", "used", TEXT),
    "poster_title": Message("{town} デジタル住民カード", "{town} digital resident card", TEXT),
    "poster_how": Message("1. スマートフォンでQRコードを読み取る\n2. ウォレットをつなぐ\n3. 「受け取る」を押す",
                          "1. Scan the QR code with your phone\n2. Connect your wallet\n3. Press \"Claim\"", TEXT),
    "claim_slip_how": Message("読み取って住民カードを受け取る", "Scan to claim your card", TEXT),
    "poster_how_title": Message("受け取り方", "How to claim", TEXT),
    "poster_help": Message("わからないときは、窓口でお気軽にお尋ねください", "Ask us at the counter if you need help", TEXT),
})
