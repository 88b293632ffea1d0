"""WebAuthn ceremonies of passkey resident accounts, verified with the `webauthn` library (py_webauthn).

Registration stores only public data (credential id, the P-256 key from the COSE key, the sign counter)
and the passkey account's address, which the factory on chain predicts from the key (CREATE2): the account
exists on paper before anyone pays to deploy it (backend/auth/passkey_accounts.py).

The RP id and origin are the public URL's host and origin (Settings.public_url). Challenges are
single-use and expire: they live in the sign-in nonce table under a `webauthn:` prefix, so a SIWE nonce is
never accepted as a WebAuthn challenge nor the other way round, and consumption is the one conditional
UPDATE of backend/auth/nonces.py.

Signing in, and signing ballots or claim requests, is done by the passkey account itself: the passkey signs
the account-domain ERC-7739 hash as its WebAuthn challenge (backend/auth/passkey_signing.py) and the one
verifier, backend/chain/signatures.py, asks the account's code (ERC-1271; ERC-6492 before deployment). The
stored public key is no longer used to check signatures here; what the account's code cannot know is
checked here as a defence: the clientDataJSON origin, the RP id hash and the sign counter (a cloned
authenticator), see `check_assertion`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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
from webauthn.helpers.exceptions import InvalidRegistrationResponse
from webauthn.helpers.structs import (AuthenticatorSelectionCriteria, PublicKeyCredentialDescriptor,
                                      ResidentKeyRequirement, UserVerificationRequirement)

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
    """Options for any passkey of this site: the answer only names which one (its credential id), for a
    browser that remembers no passkey account; nothing signed with them is accepted."""
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


def credential_of(db: Session, credential_id: object) -> PasskeyCredential:
    """The registered passkey of this credential id; PasskeyUnknown otherwise."""
    row = db.scalar(select(PasskeyCredential).where(PasskeyCredential.credential_id == str(credential_id)))
    if row is None:
        raise PasskeyUnknown()
    return row


def assertion_options(rp: RelyingParty, row: PasskeyCredential, challenge: bytes) -> dict:
    """PublicKeyCredentialRequestOptions (JSON) asking this one passkey to sign `challenge`."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.rp_id, challenge=challenge, user_verification=UserVerificationRequirement.REQUIRED,
        allow_credentials=[PublicKeyCredentialDescriptor(id=_unb64url(row.credential_id))])
    return json.loads(webauthn.options_to_json(options))


def check_assertion(rp: RelyingParty, row: PasskeyCredential, response: dict) -> int:
    """What the account's code does not check, refused here: the origin in clientDataJSON, the RP id hash in
    the authenticator data, and a sign counter that does not move forward. Returns the new counter; the
    signature itself is the account's to judge (backend/chain/signatures.py)."""
    try:
        client_data = json.loads(_unb64url(response["clientDataJSON"]))
        auth_data = _unb64url(response["authenticatorData"])
        origin = client_data["origin"]
    except (KeyError, TypeError, ValueError, binascii.Error, UnicodeDecodeError):
        raise PasskeyMalformed() from None
    if len(auth_data) < 37:
        raise PasskeyMalformed()
    if origin != rp.origin:
        raise PasskeyWrongOrigin()
    if auth_data[:32] != hashlib.sha256(rp.rp_id.encode()).digest():
        raise PasskeyWrongRpId()
    counter = int.from_bytes(auth_data[33:37], "big")
    if (counter or row.sign_count) and counter <= row.sign_count:
        raise PasskeyCounterBackwards()
    return counter
