"""Civic: polls and ballots, announcements, email (backend/civic/)."""

from backend.messages.entry import CONFLICT, DETAIL, FORBIDDEN, GONE, INVALID, NOT_FOUND, TEXT, Message

MESSAGES = {
    # polls, as staff write them
    "poll_questions_missing": Message("投票には設問が1つ以上必要です。", "A poll needs at least one question.", INVALID),
    "poll_question_invalid": Message("Q{n}: 設問が正しくありません。", "Q{n}: the question is not valid.", INVALID),
    "text_question_options": Message("自由記述の設問に選択肢は指定できません。", "A free-text question has no options.",
                                     DETAIL),
    "choice_question_options": Message("選択式の設問には選択肢が2つ以上必要です。",
                                       "A choice question needs at least 2 options.", DETAIL),
    "choice_range": Message("選択数は 0 ≤ 最小 ≤ 最大 ≤ 選択肢数（{options}）にしてください。",
                            "Choose-between must satisfy 0 <= min <= max <= {options} options.", DETAIL),
    "choice_none": Message("1つ以上選べるようにしてください。", "Allow at least one choice.", DETAIL),
    "collection_not_found": Message("コレクション {collection_id} はありません。", "No collection {collection_id}.",
                                    NOT_FOUND),
    "poll_window_invalid": Message("締切は開始より後にしてください。", "The poll must close after it opens.", INVALID),
    "poll_not_found": Message("投票 {poll_id} はありません。", "No poll {poll_id}.", NOT_FOUND),
    # voting
    "poll_not_open": Message("投票はまだ始まっていません。", "Voting has not started yet.", CONFLICT),
    "poll_closed": Message("この投票は締め切られました。投票・変更はできません。",
                           "This poll is closed; ballots can no longer be cast or changed.", CONFLICT),
    "not_in_poll_collection": Message("（この投票の対象コレクションにありません）", "(It is not in this poll's collection.)",
                                      DETAIL),
    "not_eligible_card_invalid": Message("有効なカードのみ投票できます（このカードは無効です: {reason}）。",
                                         "Only valid cards may vote; this card is {reason}.", FORBIDDEN),
    "not_eligible_tier": Message("この投票はプレミアム（上位ランク）住民のみが対象です。",
                                 "This poll is for premium residents (a higher tier) only.", FORBIDDEN),
    "not_verified": Message("この投票は1人1票です。先に本人確認を行ってください。",
                            "This poll counts one vote per person: verify your identity first.", FORBIDDEN),
    "bad_signature": Message("投票の署名がこのウォレット・投票・カード・回答と一致しません。もう一度署名してください。",
                             "The ballot signature does not match this wallet, poll, card and answers. Sign the "
                             "ballot again.", INVALID),
    "already_voted": Message("このカードはこの投票にすでに投票済みです。投票は変更できません。",
                             "This card has already voted in this poll; a ballot cannot be changed.", CONFLICT),
    "already_voted_person": Message("この投票では1人1票です。すでに別のカードで投票済みです。",
                                    "You have already voted in this poll (one vote per person, whichever card you use).",
                                    CONFLICT),
    # answers that do not fit the questions (backend/civic/ballots.py)
    "answers_invalid": Message("回答が正しくありません: ", "The answers do not fit the poll:", INVALID),
    "answers_not_object": Message("answers は設問IDをキーとするオブジェクトにしてください。",
                                  "answers must be an object keyed by question id.", DETAIL),
    "answer_unknown_question": Message("この投票に設問 {question} はありません。", "No question {question} in this poll.",
                                       DETAIL),
    "answer_not_text": Message("{label}: 回答は文章で入力してください。", "{label}: the answer must be text.", DETAIL),
    "answer_required": Message("{label}: 回答は必須です。", "{label}: an answer is required.", DETAIL),
    "answer_too_long": Message("{label}: {max_length} 文字以内で入力してください。", "{label}: at most {max_length} characters.",
                               DETAIL),
    "answer_not_numbers": Message("{label}: 選択肢を番号で指定してください。", "{label}: choose options by their numbers.",
                                  DETAIL),
    "answer_twice": Message("{label}: 同じ選択肢が重複しています。", "{label}: an option is chosen twice.", DETAIL),
    "answer_no_option": Message("{label}: 選択肢 {option} はありません。", "{label}: there is no option {option}.", DETAIL),
    "answer_exactly": Message("{label}: {low} つ選んでください。", "{label}: choose exactly {low}.", DETAIL),
    "answer_between": Message("{label}: {low}〜{high} 個選んでください。", "{label}: choose between {low} and {high}.",
                              DETAIL),
    # announcements
    "tier_range_invalid": Message("最大ランクは必要なランク以上にしてください。", "The maximum tier must be at least the minimum tier.", INVALID),
    "announcement_not_found": Message("お知らせ {announcement_id} はありません。",
                                      "No announcement {announcement_id} for you.", NOT_FOUND),
    "open_in_app": Message("アプリで見る", "Open in the app", TEXT),
    # email
    "email_disabled": Message("メール配信は設定されていません。", "Email is not set up.", CONFLICT),
    "email_news_in_app": Message("お知らせはアプリでご確認ください。", "News stay in the app.", DETAIL),
    "email_post_without": Message("（RESIDENT_SMTP_URL）メールなしで投稿してください。",
                                  "(RESIDENT_SMTP_URL) Post without email, or ask the administrator to set it up.",
                                  DETAIL),
    "email_invalid": Message("メールアドレスの形式が正しくありません。", "This is not an email address.", INVALID),
    "email_not_pending": Message("確認待ちのメールアドレスはありません。もう一度登録してください。",
                                 "There is no address waiting for verification; add it again.", NOT_FOUND),
    "email_code_expired": Message("確認コードの有効期限が切れたか、入力の誤りが多すぎます。もう一度登録してください。",
                                  "This code has expired or was mistyped too often; add the address again for a new "
                                  "code.", GONE),
    "email_code_wrong": Message("確認コードが正しくありません。", "The code is not right.", INVALID),
    "unsubscribe_link_invalid": Message("この配信停止リンクは無効です。", "This unsubscribe link is not valid.", FORBIDDEN),
}

# Mails are written in both languages, Japanese first (backend.messages.bilingual joins the two sides).
MESSAGES.update({
    "mail_unsubscribe": Message("配信停止", "Unsubscribe", TEXT),
    "mail_verify_subject": Message("メールアドレスの確認", "Confirm your email address", TEXT),
    "mail_verify_body": Message("確認コード: {code}\n"
                                "デジタル住民アプリでこのコードを入力すると、メールでお知らせが届くようになります（30分間有効）。\n"
                                "お心当たりがない場合は、このメールを無視してください。\n",
                                "Verification code: {code}\n"
                                "Enter it in the digital resident app to receive news by email (valid for 30 minutes).\n"
                                "If you did not ask for this, ignore this mail.\n", TEXT),
})

# The notice before an inactive card is revoked (backend/civic/inactivity.py), posted as an announcement.
MESSAGES.update({
    "inactivity_title": Message("デジタル住民カードのご利用が長期間ありません",
                                "Your digital resident card has been inactive for a long time", TEXT),
    "inactivity_body": Message("カード {symbol} #{token_id} は長い間ご利用がありません。{day} までにアプリへサインインしてください"
                               "（サインインだけで十分です）。期限までにご利用がない場合、カードは自動的に取り消されます。",
                               "Card {symbol} #{token_id} has not been used for a long time. Sign in to the app by "
                               "{day} (signing in is enough). Without any activity by then, the card is revoked "
                               "automatically.", TEXT),
})

# the holder's inactivity notices (GET /me/notices), by the notice's status
MESSAGES.update({
    "notice_open": Message("長期間ご利用がなかったカードです。サインインするだけで維持されます（次回の確認で反映されます）。",
                           "Your card was inactive; signing in is enough to keep it. Staff will see your activity at "
                           "the next check.", TEXT),
    "notice_cancelled": Message("取り消し済み: ご利用が確認されました。", "Cancelled: you were active again.", TEXT),
    "notice_revoked": Message("通知期間中にご利用がなかったため、カードは取り消されました。",
                              "The card was revoked after the notice period without activity.", TEXT),
    "notice_failed": Message("取り消し処理に失敗しました。職員が確認します。", "Revocation failed; staff will look at it.", TEXT),
    "unsubscribed": Message("配信停止", "Unsubscribed", TEXT),
    "unsubscribed_body": Message("メール配信を停止しました。アプリ内のお知らせは引き続きご覧いただけます。",
                                 "You will no longer receive email. News stay visible in the app.", TEXT),
    "address_invalid": Message("ウォレットアドレスではありません。", "Not a wallet address.", INVALID),
    "poll_not_closed": Message("結果は投票の締切後に公開されます。", "Results are published when the poll closes.", CONFLICT),
    "answers_not_json": Message("answers は JSON で指定してください（例: {{\"12\": [0]}}）。",
                                "answers must be JSON, e.g. {{\"12\": [0]}}.", DETAIL),
})
