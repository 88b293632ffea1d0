"""Venues: the desk's verdicts on a scanned pass (backend/venues/) and venue logins."""

from backend.messages.entry import CONFLICT, DETAIL, INVALID, TOO_MANY, UNAUTHORIZED, VERDICT, Message

MESSAGES = {
    # a pass that cannot be read or trusted (backend/venues/passes.py)
    "pass_malformed": Message("QRコードを読み取れません。もう一度表示してもらってください。",
                              "This is not a pass: ask the holder to show the QR code again.", VERDICT),
    "pass_forged": Message("このパスは正規のものではありません（署名が一致しません）。",
                           "This pass is not genuine (its signature does not match).", VERDICT),
    "pass_expired": Message("このパスは有効期限切れです。アプリで新しいパスを表示してもらってください。",
                            "This pass has expired: ask the holder to open a new pass in the app.", VERDICT),
    "pass_wrong_chain": Message("このパスは別のネットワーク用です。", "This pass was made for another network.", VERDICT),
    # a genuine pass this venue cannot accept (backend/venues/redeem.py); chain_unavailable is in auth.py
    "pass_used": Message("このパスはすでに使用済みです（{used_at}）。", "This pass has already been used ({used_at}).",
                         VERDICT),
    "perk_unknown": Message("このパスの特典は見つかりません。", "The perk of this pass does not exist.", VERDICT),
    "wrong_venue": Message("この特典はこの施設では利用できません。", "This perk cannot be redeemed at this venue.", VERDICT),
    "card_transferred": Message("パス発行後にカードが別のウォレットに移されました。保有者本人のパスではありません。",
                                "The card was transferred after this pass was made; the pass is no longer valid.",
                                VERDICT),
    # a code typed at the desk instead of a scan (backend/venues/desk_codes.py)
    "desk_code_unknown": Message("このコードのパスはありません（期限切れか入力違いです）。保有者にコードをもう一度確かめてもらってください。",
                                 "No pass has this code (expired or mistyped): ask the holder to check the code again.",
                                 VERDICT),
    "desk_code_throttled": Message("入力違いのコードが続いたため、{retry_after} 秒後にもう一度入力してください。QRコードの読み取りはすぐに使えます。",
                                   "Too many unknown codes. Type again in {retry_after} s; scanning the QR code works now.",
                                   TOO_MANY),
    # venue logins (backend/venues/accounts.py)
    "login_invalid": Message("ログインIDは3〜100文字の英小文字・数字・. _ @ - で指定してください。",
                             "A login is 3-100 characters: lower-case letters, digits, . _ @ -.", INVALID),
    "password_too_short": Message("パスワードは{min_length}文字以上にしてください。",
                                  "The password needs at least {min_length} characters.", INVALID),
    "login_taken": Message("ログインID {login!r} はすでに使われています。", "The login {login!r} is already used.", CONFLICT),
}

# a venue desk's requests (backend/api/venue.py)
MESSAGES.update({
    "venue_sign_in_required": Message("施設アカウントでサインインしてください。", "Sign in with the venue account first.",
                                      UNAUTHORIZED),
    "pass_body_expected": Message('{{"pass": "<QRコードの文字列>"}} を送ってください。',
                                  'send {{"pass": "<the QR code\'s text>"}}', DETAIL),
})
