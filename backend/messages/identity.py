"""Identity assertions and guardian consent (backend/identity/verifier.py)."""

from backend.messages.entry import BAD_REQUEST, CONFLICT, DETAIL, FORBIDDEN, INVALID, UNAVAILABLE, Message

MESSAGES = {
    "identity_malformed": Message("本人確認の結果を読み取れません（形式が正しくありません）。",
                                  "The identity assertion cannot be read (it is not an ES256K JWS with the expected "
                                  "claims).", BAD_REQUEST),
    "identity_untrusted_provider": Message("信頼されていない本人確認事業者による結果です。",
                                           "The identity assertion comes from a provider this service does not trust.",
                                           FORBIDDEN),
    "identity_bad_signature": Message("本人確認の結果の署名が正しくありません。",
                                      "The identity assertion's signature does not match its provider's key.", FORBIDDEN),
    "identity_wrong_audience": Message("本人確認の結果は別のサービス向けに発行されています。",
                                       "The identity assertion was made for another service.", FORBIDDEN),
    "identity_stale": Message("本人確認の結果の有効期間外です。もう一度本人確認してください。",
                              "The identity assertion is too old or not yet valid: verify again.", FORBIDDEN),
    "identity_wrong_purpose": Message("この結果は別の手続き（本人確認／保護者の同意）用です。",
                                      "This assertion is for another step (identity vs. guardian consent).", BAD_REQUEST),
    "identity_nonce_invalid": Message("本人確認の番号（nonce）が無効です（使用済み・期限切れ・別のウォレット用）。"
                                      "もう一度最初から本人確認してください。",
                                      "The assertion's nonce is unknown, already used, expired or was given to another "
                                      "wallet: start the verification again.", FORBIDDEN),
    "identity_required": Message("先に本人確認（マイナンバーカード）を行ってください。",
                                 "Verify your identity first (My Number card).", FORBIDDEN),
    "consent_not_needed": Message("保護者の同意は未成年の方のみ必要です。", "Guardian consent is only needed for minors.",
                                  CONFLICT),
    "consent_other_person": Message("この保護者の同意は、本人確認済みの方とは別の方についてのものです。",
                                    "This guardian consent is for another person than the verified holder.", FORBIDDEN),
    "consent_self": Message("本人が自分の保護者として同意することはできません。", "A guardian cannot consent for themselves.",
                            FORBIDDEN),
    # which claim was wrong (appended to identity_malformed)
    "identity_alg": Message("（alg は {alg} である必要があります）", "(alg must be {alg})", DETAIL),
    "identity_times": Message("（iat と exp は整数である必要があります）", "(iat/exp must be integers)", DETAIL),
    "identity_subject": Message("（sub と level が必要です）", "(sub and level are required)", DETAIL),
    "identity_guardian": Message("（guardian_sub が必要です）", "(guardian_sub is required)", DETAIL),
    "identity_birthdate": Message("（birthdate は YYYY-MM-DD で指定してください）", "(birthdate must be YYYY-MM-DD)", DETAIL),
    "identity_age": Message("（birthdate または is_minor が必要です）", "(birthdate or is_minor is required)", DETAIL),
    "identity_nonce": Message("（nonce が必要です）", "(nonce is required)", DETAIL),
}

# the verifier's setup and the development provider (backend/api/deps.py, backend/api/dev.py)
MESSAGES.update({
    "identity_not_configured": Message("本人確認には、サーバーに RESIDENT_IDENTITY_SECRET（と RESIDENT_IDENTITY_PROVIDERS）の"
                                       "設定が必要です。", "Identity verification needs RESIDENT_IDENTITY_SECRET (and "
                                       "RESIDENT_IDENTITY_PROVIDERS) on the server.", UNAVAILABLE),
    "birthdate_required": Message("生年月日か未成年かを指定してください。", "Give birthdate or is_minor.", INVALID),
})
