"""Errors of sign-in, sessions, staff roles, forum SSO and the bot check.

Each class fixes a catalogue code (texts in backend/messages/auth.py); `detail`, another code, says
which part failed. backend/api/handlers.py turns them into the project's JSON error body.
"""

from __future__ import annotations

from backend.errors import Refusal


class AccessError(Refusal):
    """Raised when a request cannot be let in; subclasses fix the code."""

    code = "access_error"

    def __init__(self, detail: str | None = None, /, **values) -> None:
        super().__init__(detail=detail, **values)


# --- wallet sign-in (EIP-4361) -----------------------------------------------------------------------------
class SiweMalformed(AccessError):
    """Raised when the text is not an EIP-4361 message (or not in its canonical form)."""

    code = "siwe_malformed"


class SiweDomainMismatch(AccessError):
    """Raised when the message was written for another site (domain or URI)."""

    code = "siwe_domain_mismatch"


class SiweChainMismatch(AccessError):
    """Raised when the message names another chain."""

    code = "siwe_chain_mismatch"


class SiweNotInTime(AccessError):
    """Raised when the message is issued in the future, expired, or not valid yet."""

    code = "siwe_not_in_time"


class SiweNonceInvalid(AccessError):
    """Raised when the nonce is unknown, already used or expired."""

    code = "siwe_nonce_invalid"


class SiweBadSignature(AccessError):
    """Raised when the signature does not prove control of the message's address."""

    code = "siwe_bad_signature"


class ChainUnavailable(AccessError):
    """Raised when a check needs the chain (ERC-1271) and the RPC node does not answer."""

    code = "chain_unavailable"


# --- sessions and roles ------------------------------------------------------------------------------------
class NotSignedIn(AccessError):
    """Raised when a request needs a session and has none (or an expired one)."""

    code = "not_signed_in"


class BadCredentials(AccessError):
    """Raised when a login name or password is wrong (never says which)."""

    code = "bad_credentials"


class LoginThrottled(AccessError):
    """Raised when a sign-in comes too soon after too many failed ones from that address (backend/auth/throttle.py);
    the same for every login name, known or not."""

    code = "login_throttled"


class RoleRequired(AccessError):
    """Raised when a staff member lacks the role needed in that municipality."""

    code = "role_required"


class AccountExists(AccessError):
    """Raised when a staff login name or email is already taken."""

    code = "account_exists"


class NotFound(AccessError):
    """Raised when a named municipality, collection or forum does not exist."""

    code = "not_found"


# --- forum (DiscourseConnect) and bots ---------------------------------------------------------------------
class SsoBadRequest(AccessError):
    """Raised when a DiscourseConnect request is unsigned, tampered or malformed."""

    code = "sso_bad_request"


class SsoUnknownForum(AccessError):
    """Raised when return_sso_url is not a configured forum."""

    code = "sso_unknown_forum"


class NoValidCard(AccessError):
    """Raised when the signed-in holder holds no valid card of the collection."""

    code = "no_valid_card"


class BotKeyInvalid(AccessError):
    """Raised when a bot API key is missing, unknown, or for another municipality."""

    code = "bot_key_invalid"


class BadAddress(AccessError):
    """Raised when an address parameter is not a 20-byte hex address."""

    code = "bad_address"


# --- passkeys (WebAuthn) -----------------------------------------------------------------------------------
class PasskeysUnavailable(AccessError):
    """Raised when no passkey account factory is configured (RESIDENT_ACCOUNT_FACTORY_ADDRESS)."""

    code = "passkeys_unavailable"


class PasskeyMalformed(AccessError):
    """Raised when a WebAuthn response is not the JSON a browser sends."""

    code = "passkey_malformed"


class PasskeyChallengeInvalid(AccessError):
    """Raised when the response's challenge is not one we handed out, or was used or expired."""

    code = "passkey_challenge_invalid"


class PasskeyWrongOrigin(AccessError):
    """Raised when clientDataJSON names another origin than the public URL's."""

    code = "passkey_wrong_origin"


class PasskeyWrongRpId(AccessError):
    """Raised when the authenticator data is for another RP id than the public URL's host."""

    code = "passkey_wrong_rp_id"


class PasskeyRefused(AccessError):
    """Raised when the webauthn library refuses the response for another reason (signature, flags, ...)."""

    code = "passkey_refused"


class PasskeyUnknown(AccessError):
    """Raised when an assertion names a credential that was never registered here."""

    code = "passkey_unknown"


class PasskeyCounterBackwards(AccessError):
    """Raised when the authenticator's sign counter is not above the stored one (a cloned authenticator)."""

    code = "passkey_counter_backwards"


class PasskeyAlreadyRegistered(AccessError):
    """Raised when a registration names a credential id we already hold."""

    code = "passkey_already_registered"
