"""Identity assertions and guardian consent (backend/identity/verifier.py)."""

from backend.messages.entry import (BAD_REQUEST, CONFLICT, DETAIL, FORBIDDEN, INVALID, NOT_FOUND, TEXT, UNAVAILABLE,
                                    Message)

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
    "consent_guardian_minor": Message("保護者の方は成人である必要があります。成人の保護者の方が本人確認してください。",
                                      "The guardian must be an adult: a parent or guardian aged 18 or over signs "
                                      "in to consent.", FORBIDDEN),
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

# OpenID Connect providers (backend/identity/oidc.py): the login at the provider and its ID token
MESSAGES.update({
    "oidc_provider_unknown": Message("この本人確認事業者は設定されていません。", "No identity provider of that name is "
                                     "configured here.", NOT_FOUND),
    "oidc_provider_unreachable": Message("本人確認事業者に接続できません（{step}）。しばらくしてからもう一度お試しください。",
                                         "The identity provider cannot be reached ({step}): try again in a while.",
                                         UNAVAILABLE),
    "oidc_state_invalid": Message("本人確認の手続きが無効です（使用済み・期限切れ・別のウォレットで開始）。"
                                  "もう一度最初から本人確認してください。",
                                  "This identity login is unknown, already used, expired or was started by another "
                                  "wallet: start the verification again.", FORBIDDEN),
    "oidc_denied": Message("本人確認事業者で本人確認が完了しませんでした（{error}）。もう一度お試しください。",
                           "The identity provider did not complete the verification ({error}): try again.", FORBIDDEN),
    "oidc_token_refused": Message("本人確認事業者が結果の受け渡しを拒否しました（{error}）。もう一度最初から本人確認してください。",
                                  "The identity provider refused to hand over the result ({error}): start the "
                                  "verification again.", FORBIDDEN),
    "oidc_token_malformed": Message("本人確認事業者の結果（ID トークン）を読み取れません。",
                                    "The identity provider's ID token cannot be read (not a signed JWT with the "
                                    "expected claims).", BAD_REQUEST),
    "oidc_unknown_key": Message("本人確認の結果は、本人確認事業者が公開していない鍵で署名されています。",
                                "The ID token is signed with a key the identity provider does not publish.",
                                FORBIDDEN),
    "oidc_bad_signature": Message("本人確認の結果の署名が正しくありません。",
                                  "The ID token's signature does not match the identity provider's key.", FORBIDDEN),
    "oidc_wrong_issuer": Message("本人確認の結果は、手続きを始めた本人確認事業者が発行したものではありません。",
                                 "The ID token was issued by another party than the identity provider the login "
                                 "went to.", FORBIDDEN),
    "oidc_wrong_nonce": Message("本人確認の結果は、この手続きのものではありません（nonce が一致しません）。"
                                "もう一度最初から本人確認してください。",
                                "The ID token belongs to another login (its nonce does not match): start the "
                                "verification again.", FORBIDDEN),
    "oidc_wrong_party": Message("本人確認の結果は、このサービス以外に向けて発行されています（azp）。",
                                "The ID token was issued to another client (azp).", FORBIDDEN),
    "oidc_other_person": Message("本人確認事業者の利用者情報が、ID トークンの方と一致しません。",
                                 "The identity provider's user information is about another person than the ID "
                                 "token.", FORBIDDEN),
    "oidc_button": Message("マイナンバーカード等で本人確認", "Verify with an ID provider", TEXT),  # a provider's default label
    "oidc_birthdate_missing": Message("本人確認事業者から生年月日が届きませんでした。生年月日の提供に同意して、もう一度お試しください。",
                                      "The identity provider did not share the birthdate: allow it and try again.",
                                      FORBIDDEN),
})
