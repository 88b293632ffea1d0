"""Errors of sign-in, sessions, staff roles, forum SSO and the bot check.

Each carries the HTTP status, a stable `code` and a message in Japanese and English; the app's error
handler turns them into the project's JSON error body.
"""

from __future__ import annotations

from backend.errors import ApiError


class AccessError(ApiError):
    """Raised when a request cannot be let in; subclasses fix the status, code and messages."""

    status_code = 400
    code = "access_error"
    message_en = "The request was refused."
    message_ja = "リクエストは受け付けられませんでした。"

    def __init__(self, detail_en: str | None = None, detail_ja: str | None = None) -> None:
        # A detail (e.g. which field failed) is appended to the fixed message of the class.
        cls = type(self)
        message_en = f"{cls.message_en} {detail_en}" if detail_en else cls.message_en
        message_ja = f"{cls.message_ja}{detail_ja}" if detail_ja else cls.message_ja
        super().__init__(cls.status_code, cls.code, message_en, message_ja)


# --- wallet sign-in (EIP-4361) -----------------------------------------------------------------------------
class SiweMalformed(AccessError):
    """Raised when the text is not an EIP-4361 message (or not in its canonical form)."""

    code = "siwe_malformed"
    message_en = "The sign-in message is not a valid EIP-4361 message."
    message_ja = "サインインメッセージが EIP-4361 の形式ではありません。"


class SiweDomainMismatch(AccessError):
    """Raised when the message was written for another site (domain or URI)."""

    code = "siwe_domain_mismatch"
    message_en = "The sign-in message was made for another site."
    message_ja = "サインインメッセージは別のサイト向けに作成されています。"


class SiweChainMismatch(AccessError):
    """Raised when the message names another chain."""

    code = "siwe_chain_mismatch"
    message_en = "The sign-in message is for another chain."
    message_ja = "サインインメッセージのチェーンIDが一致しません。"


class SiweNotInTime(AccessError):
    """Raised when the message is issued in the future, expired, or not valid yet."""

    code = "siwe_not_in_time"
    message_en = "The sign-in message is not valid at this time."
    message_ja = "サインインメッセージの有効期間外です。"


class SiweNonceInvalid(AccessError):
    """Raised when the nonce is unknown, already used or expired."""

    status_code = 401
    code = "siwe_nonce_invalid"
    message_en = "The sign-in nonce is unknown, used or expired: request a new one and sign again."
    message_ja = "ノンスが無効（不明・使用済み・期限切れ）です。新しいノンスを取得して再度署名してください。"


class SiweBadSignature(AccessError):
    """Raised when the signature does not prove control of the message's address."""

    status_code = 401
    code = "siwe_bad_signature"
    message_en = "The signature does not match the address in the message."
    message_ja = "署名がメッセージのアドレスと一致しません。"


class ChainUnavailable(AccessError):
    """Raised when a check needs the chain (ERC-1271) and the RPC node does not answer."""

    status_code = 503
    code = "chain_unavailable"
    message_en = "The blockchain node is not reachable; try again shortly."
    message_ja = "ブロックチェーンのノードに接続できません。しばらくしてから再度お試しください。"


# --- sessions and roles ------------------------------------------------------------------------------------
class NotSignedIn(AccessError):
    """Raised when a request needs a session and has none (or an expired one)."""

    status_code = 401
    code = "not_signed_in"
    message_en = "Please sign in."
    message_ja = "サインインしてください。"


class BadCredentials(AccessError):
    """Raised when a login name or password is wrong (never says which)."""

    status_code = 401
    code = "bad_credentials"
    message_en = "The login name or password is wrong."
    message_ja = "ログイン名またはパスワードが正しくありません。"


class AccountLocked(AccessError):
    """Raised when a staff account is locked after too many wrong passwords in a row."""

    status_code = 429
    code = "account_locked"
    message_en = "Too many wrong passwords: this account is locked for a few minutes."
    message_ja = "パスワードの誤りが続いたため、このアカウントは数分間ロックされています。"


class RoleRequired(AccessError):
    """Raised when a staff member lacks the role needed in that municipality."""

    status_code = 403
    code = "role_required"
    message_en = "Your staff role does not allow this in this municipality."
    message_ja = "この自治体でこの操作を行う権限がありません。"


class AccountExists(AccessError):
    """Raised when a staff login name or email is already taken."""

    status_code = 409
    code = "account_exists"
    message_en = "An account with this login name or email already exists."
    message_ja = "このログイン名またはメールアドレスのアカウントは既に存在します。"


class NotFound(AccessError):
    """Raised when a named municipality, collection or forum does not exist."""

    status_code = 404
    code = "not_found"
    message_en = "Not found."
    message_ja = "見つかりません。"


# --- forum (DiscourseConnect) and bots ---------------------------------------------------------------------
class SsoBadRequest(AccessError):
    """Raised when a DiscourseConnect request is unsigned, tampered or malformed."""

    code = "sso_bad_request"
    message_en = "The forum sign-in request is invalid or its signature does not match."
    message_ja = "フォーラムのサインイン要求が不正か、署名が一致しません。"


class SsoUnknownForum(AccessError):
    """Raised when return_sso_url is not a configured forum."""

    status_code = 403
    code = "sso_unknown_forum"
    message_en = "The forum asking for sign-in is not registered here."
    message_ja = "サインインを要求しているフォーラムは登録されていません。"


class NoValidCard(AccessError):
    """Raised when the signed-in holder holds no valid card of the collection."""

    status_code = 403
    code = "no_valid_card"
    message_en = "You need a valid resident card of this municipality."
    message_ja = "この自治体の有効な住民カードが必要です。"


class BotKeyInvalid(AccessError):
    """Raised when a bot API key is missing, unknown, or for another municipality."""

    status_code = 401
    code = "bot_key_invalid"
    message_en = "A valid bot API key is required."
    message_ja = "有効なボットAPIキーが必要です。"


class BadAddress(AccessError):
    """Raised when an address parameter is not a 20-byte hex address."""

    status_code = 422
    code = "bad_address"
    message_en = "The address is not a valid Ethereum address."
    message_ja = "アドレスが正しいイーサリアムアドレスではありません。"
