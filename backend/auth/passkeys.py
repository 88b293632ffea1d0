"""WebAuthn ceremonies of passkey resident accounts, verified with the `webauthn` library (py_webauthn).

Registration stores only public data (credential id, the P-256 key from the COSE key, the sign counter)
and the passkey account's address, which the factory on chain predicts from the key (CREATE2): the account
exists on paper before anyone pays to deploy it (backend/auth/passkey_accounts.py).

The RP id and origin are the public URL's host and origin (Settings.public_url). Challenges are
single-use and expire: they live in the sign-in nonce table under a `webauthn:` prefix, so a SIWE nonce is
never accepted as a WebAuthn challenge nor the other way round, and consumption is the one conditional
UPDATE of backend/auth/nonces.py.

Signing in with the passkey here checks the assertion against the stored public key (with the sign
counter). TODO(issue 14, next step): sign-in through the account itself (ERC-1271 / ERC-7739 PersonalSign,
ERC-6492 before deployment) belongs to the one verifier, backend/chain/signatures.py, another helper's.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import webauthn
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from webauthn.helpers import decode_credential_public_key
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (AuthenticatorSelectionCriteria, ResidentKeyRequirement,
                                      UserVerificationRequirement)

from backend.auth.errors import (PasskeyAlreadyRegistered, PasskeyChallengeInvalid, PasskeyCounterBackwards,
                                 PasskeyMalformed, PasskeyRefused, PasskeyUnknown, PasskeyWrongOrigin,
                                 PasskeyWrongRpId)
from backend.auth.nonces import NONCE_TTL_SECONDS
from backend.db.models_access import PasskeyCredential, SignInNonce
from backend.origins import origin_of

CHALLENGE_PREFIX = "webauthn:"
RP_NAME = "Digital resident"  # shown by the phone beside the passkey; Japanese text lives in the catalogue only


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origin: str

    @classmethod
    def of(cls, public_url: str) -> "RelyingParty":
        return cls(rp_id=urlsplit(public_url).hostname or "", origin=origin_of(public_url) or "")


@dataclass(frozen=True)
class Registered:
    credential_id: str
    public_x: bytes
    public_y: bytes
    sign_count: int


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_challenge(db: Session, *, now: int | None = None) -> bytes:
    """A fresh single-use challenge (valid as long as a sign-in nonce). The caller commits."""
    now = int(time.time()) if now is None else now
    text = CHALLENGE_PREFIX + secrets.token_urlsafe(24)
    db.add(SignInNonce(nonce=text, created_at=now, expires_at=now + NONCE_TTL_SECONDS))
    db.flush()
    return text.encode()


def registration_options(db: Session, rp: RelyingParty) -> str:
    """The PublicKeyCredentialCreationOptions as JSON (navigator.credentials.create after decoding)."""
    options = webauthn.generate_registration_options(
        rp_id=rp.rp_id, rp_name=RP_NAME, user_name="resident", user_display_name="Digital resident",
        user_id=secrets.token_bytes(16), challenge=issue_challenge(db),
        # A discoverable credential with user verification (Face ID, fingerprint or PIN); P-256 only: that
        # is the key the account checks on chain.
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED),
        supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256])
    return webauthn.options_to_json(options)


def authentication_options(db: Session, rp: RelyingParty) -> str:
    options = webauthn.generate_authentication_options(
        rp_id=rp.rp_id, challenge=issue_challenge(db), user_verification=UserVerificationRequirement.REQUIRED)
    return webauthn.options_to_json(options)


def _client_data(credential: dict) -> dict:
    try:
        data = json.loads(_unb64url(credential["response"]["clientDataJSON"]))
        if not isinstance(data, dict) or not isinstance(data.get("challenge"), str):
            raise ValueError
        return data
    except (KeyError, TypeError, ValueError, binascii.Error, UnicodeDecodeError):
        raise PasskeyMalformed() from None


def _take_challenge(db: Session, client_data: dict, rp: RelyingParty, now: int) -> bytes:
    """The response's challenge, consumed; refused when it is not ours, used or expired, or for another origin."""
    if client_data.get("origin") != rp.origin:
        raise PasskeyWrongOrigin()
    try:
        challenge = _unb64url(client_data["challenge"])
        text = challenge.decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise PasskeyChallengeInvalid() from None
    if not text.startswith(CHALLENGE_PREFIX):
        raise PasskeyChallengeInvalid()
    consumed = db.execute(
        update(SignInNonce)
        .where(SignInNonce.nonce == text, SignInNonce.used_at.is_(None), SignInNonce.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if consumed != 1:
        raise PasskeyChallengeInvalid()
    return challenge


def _refusal(message: str) -> Exception:
    """py_webauthn says why in its message only; the named reasons users can act on get their own code."""
    if "RP ID" in message:
        return PasskeyWrongRpId()
    if "origin" in message:
        return PasskeyWrongOrigin()
    if "sign count" in message:
        return PasskeyCounterBackwards()
    return PasskeyRefused()


def verify_registration(db: Session, rp: RelyingParty, credential: dict, *, now: int | None = None) -> Registered:
    """Check a registration (challenge, origin, RP id, user verification, a P-256 key). The caller stores it."""
    now = int(time.time()) if now is None else now
    challenge = _take_challenge(db, _client_data(credential), rp, now)
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_origin=rp.origin,
            expected_rp_id=rp.rp_id, require_user_verification=True,
            supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256])
    except InvalidRegistrationResponse as exc:
        raise _refusal(str(exc)) from None
    except (KeyError, TypeError, ValueError):
        raise PasskeyMalformed() from None
    key = decode_credential_public_key(verified.credential_public_key)
    credential_id = b64url(verified.credential_id)
    if db.scalar(select(PasskeyCredential.id).where(PasskeyCredential.credential_id == credential_id)):
        raise PasskeyAlreadyRegistered()
    return Registered(credential_id, bytes(key.x), bytes(key.y), verified.sign_count)


def store(db: Session, registered: Registered, account: str, *, now: int | None = None) -> PasskeyCredential:
    row = PasskeyCredential(credential_id=registered.credential_id, public_x="0x" + registered.public_x.hex(),
                            public_y="0x" + registered.public_y.hex(), sign_count=registered.sign_count,
                            account=account, created_at=int(time.time()) if now is None else now)
    db.add(row)
    db.flush()
    return row


def verify_authentication(db: Session, rp: RelyingParty, credential: dict, *,
                          now: int | None = None) -> PasskeyCredential:
    """Check an assertion of a registered passkey against its stored key and counter; returns its row."""
    now = int(time.time()) if now is None else now
    client_data = _client_data(credential)
    row = db.scalar(select(PasskeyCredential).where(PasskeyCredential.credential_id == str(credential.get("id"))))
    challenge = _take_challenge(db, client_data, rp, now)  # consumed even when the passkey is unknown
    if row is None:
        raise PasskeyUnknown()
    public_key = _cose_p256(bytes.fromhex(row.public_x[2:]), bytes.fromhex(row.public_y[2:]))
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.rp_id,
            expected_origin=rp.origin, credential_public_key=public_key,
            credential_current_sign_count=row.sign_count, require_user_verification=True)
    except InvalidAuthenticationResponse as exc:
        raise _refusal(str(exc)) from None
    except (KeyError, TypeError, ValueError):
        raise PasskeyMalformed() from None
    row.sign_count = verified.new_sign_count
    row.last_used_at = now
    return row


def _cose_p256(x: bytes, y: bytes) -> bytes:
    """The COSE_Key (RFC 9053) of an ES256 public key, as verify_authentication_response takes it; built with
    cbor2, the CBOR library py_webauthn itself depends on."""
    import cbor2

    return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})
