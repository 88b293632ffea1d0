"""Identity verification: a provider's signed assertion in, a nullifier and a level out.

The provider (Kaga uses the My Number card through xID) checks the person and returns a signed assertion:
a compact JWS (RFC 7515) with alg ES256K (RFC 8812, secp256k1) whose claims are

    iss      the provider (must be one we trust: settings.identity_providers, or the development provider)
    sub      the person's subject id at the provider          -- never stored
    aud      our deployment (settings.identity_audience, default public_url)
    iat/exp  issued-at (at most MAX_AGE_SECONDS old) and optional expiry
    nonce    a nonce we issued to this signed-in wallet for this purpose; used once
    purpose  "identity" or "guardian_consent"
    level    the verification level (e.g. "mynumber_card")
    birthdate (YYYY-MM-DD) or is_minor                         -- only "minor or not" is kept
    guardian_sub                                               -- consent only; never stored

We keep only the person's nullifier (backend/identity/nullifier.py, of iss and sub): the same person
always gives the same nullifier in this deployment (so caps hold across wallets, towns and vouchers), and
the table reveals nothing about who they are. The wallet that presented the assertion is bound to it.

`IdentityProvider` is the interface; `JwsProvider` verifies ES256K assertions with a public key, and
`DevelopmentProvider` also signs them (with a key derived from identity_secret): tests and `make run`
use it, production refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime

from eth_keys import keys
from eth_keys.exceptions import BadSignature, ValidationError
from eth_utils import to_checksum_address
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.db.models_residency import Identity, IdentityNonce, IdentityWallet
from backend.errors import Refusal
from backend.identity import nullifier as person
from backend.identity.oidc import OidcClient
from backend.perks.rules import JST

ALG = "ES256K"
MAX_AGE_SECONDS = 10 * 60
CLOCK_SKEW_SECONDS = 60
NONCE_TTL_SECONDS = 10 * 60
MAX_TOKEN_CHARS = 4096
AGE_OF_MAJORITY = 18  # Civil Code of Japan since April 2022
PURPOSES = ("identity", "guardian_consent")
DEV_KEY_PURPOSE = b"resident/identity-dev-provider/v1"
DEV_ISSUER = "resident-dev-identity"
DEV_LEVEL = "mynumber_card"


class IdentityError(Refusal):
    """Raised when an assertion or consent cannot be accepted (texts in backend/messages/identity.py)."""


# --- JWS ES256K ---------------------------------------------------------------------------------------------
def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_hex(key: keys.PublicKey) -> str:
    return "0x" + key.to_bytes().hex()


class IdentityProvider:
    """An identity provider we trust: knows its issuer name and checks its signatures.

    Implementations: JwsProvider (ES256K compact JWS). OpenID Connect providers (RS256/ES256 ID tokens after a
    login at the provider) are the other kind: backend/identity/oidc.py, bound through `bind_identity`."""

    issuer: str

    def verify_signature(self, signing_input: bytes, signature: bytes) -> bool:
        raise NotImplementedError


class JwsProvider(IdentityProvider):
    """A provider whose assertions are ES256K JWS signed with one secp256k1 key."""

    def __init__(self, issuer: str, public_key: keys.PublicKey | str | bytes) -> None:
        self.issuer = issuer
        if isinstance(public_key, str):
            public_key = bytes.fromhex(public_key.removeprefix("0x"))
        self.public_key = public_key if isinstance(public_key, keys.PublicKey) else keys.PublicKey(public_key)

    def verify_signature(self, signing_input: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        digest = hashlib.sha256(signing_input).digest()
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        for v in (0, 1):  # JWS carries r || s only: try both recovery ids
            try:
                if keys.Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest) == self.public_key:
                    return True
            except (BadSignature, ValidationError, ValueError):
                continue
        return False


class DevelopmentProvider(JwsProvider):
    """Plays the identity provider in development and tests, with real ES256K signatures."""

    def __init__(self, identity_secret: str, issuer: str = DEV_ISSUER) -> None:
        seed = hmac.digest(identity_secret.encode(), DEV_KEY_PURPOSE, "sha256")
        self.private_key = keys.PrivateKey(seed)
        super().__init__(issuer, self.private_key.public_key)

    def sign(self, claims: dict) -> str:
        header = {"alg": ALG, "typ": "JWT", "kid": self.issuer}
        signing_input = (_b64e(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         _b64e(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()))
        sig = self.private_key.sign_msg_hash(hashlib.sha256(signing_input.encode()).digest())
        return signing_input + "." + _b64e(sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big"))

    def assert_identity(self, *, subject: str, audience: str, nonce: str, birthdate: str | None = None,
                        is_minor: bool | None = None, level: str = DEV_LEVEL, now: int | None = None) -> str:
        now = int(time.time()) if now is None else now
        claims = {"iss": self.issuer, "sub": subject, "aud": audience, "iat": now, "exp": now + MAX_AGE_SECONDS,
                  "nonce": nonce, "purpose": "identity", "level": level}
        if birthdate is not None:
            claims["birthdate"] = birthdate
        if is_minor is not None:
            claims["is_minor"] = is_minor
        return self.sign(claims)

    def assert_consent(self, *, subject: str, guardian_subject: str, audience: str, nonce: str,
                       relationship: str = "parent", now: int | None = None) -> str:
        now = int(time.time()) if now is None else now
        return self.sign({"iss": self.issuer, "sub": subject, "guardian_sub": guardian_subject, "aud": audience,
                          "iat": now, "exp": now + MAX_AGE_SECONDS, "nonce": nonce, "purpose": "guardian_consent",
                          "relationship": relationship, "level": DEV_LEVEL})


def parse_jws(token: str) -> tuple[dict, dict, bytes, bytes]:
    """(header, claims, signing input, signature) of a compact JWS; IdentityError if it is not one."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise IdentityError("identity_malformed")
    head, body, sig = token.split(".")
    try:
        header = json.loads(_b64d(head))
        claims = json.loads(_b64d(body))
        signature = _b64d(sig)
    except (ValueError, UnicodeDecodeError):
        raise IdentityError("identity_malformed") from None
    if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != ALG:
        raise IdentityError("identity_malformed", detail="identity_alg", alg=ALG)
    return header, claims, f"{head}.{body}".encode(), signature


# --- verification --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifiedAssertion:
    issuer: str
    subject: str
    purpose: str
    level: str
    is_minor: bool
    guardian_subject: str | None
    issued_at: int
    digest: str  # SHA-256 of the whole token: evidence without keeping its content


def is_minor_on(birthdate: str, today: date) -> bool:
    born = date.fromisoformat(birthdate)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age < AGE_OF_MAJORITY


class IdentityVerifier:
    """Verifies assertions for one deployment: trusted providers, audience, nullifier key."""

    def __init__(self, providers: list[IdentityProvider], audience: str, identity_secret: str,
                 dev_provider: DevelopmentProvider | None = None, oidc: list[OidcClient] | None = None) -> None:
        self.providers = {p.issuer: p for p in providers}
        self.audience = audience
        self._identity_secret = identity_secret
        self.dev_provider = dev_provider
        self.oidc = {c.id: c for c in oidc or []}  # OpenID Connect providers by their configured id

    @classmethod
    def from_settings(cls, settings) -> IdentityVerifier | None:
        """The deployment's verifier (None only for settings without an identity key: production refuses those)."""
        secret = settings.identity_key
        if secret is None:
            return None
        providers: list[IdentityProvider] = [JwsProvider(iss, key) for iss, key in settings.identity_providers.items()]
        dev = None
        if settings.environment != "production":
            dev = DevelopmentProvider(secret)
            providers.append(dev)
        oidc = [OidcClient(p, settings.oidc_redirect_uri) for p in settings.oidc_providers]
        return cls(providers, settings.identity_audience or settings.public_url, secret, dev, oidc)

    def nullifier(self, issuer: str, subject: str) -> str:
        return person.nullifier(self._identity_secret, issuer, subject)

    def verify(self, token: str, purpose: str, now: int | None = None) -> VerifiedAssertion:
        """Signature, provider, audience, time and claims; the nonce is checked by `consume_nonce`."""
        now = int(time.time()) if now is None else now
        _header, claims, signing_input, signature = parse_jws(token)
        provider = self.providers.get(claims.get("iss")) if isinstance(claims.get("iss"), str) else None
        if provider is None:
            raise IdentityError("identity_untrusted_provider")
        if not provider.verify_signature(signing_input, signature):
            raise IdentityError("identity_bad_signature")
        aud = claims.get("aud")
        if not (aud == self.audience or (isinstance(aud, list) and self.audience in aud)):
            raise IdentityError("identity_wrong_audience")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or (exp is not None and not isinstance(exp, int)):
            raise IdentityError("identity_malformed", detail="identity_times")
        if iat > now + CLOCK_SKEW_SECONDS or now - iat > MAX_AGE_SECONDS or (exp is not None and exp <= now):
            raise IdentityError("identity_stale")
        if claims.get("purpose") != purpose:
            raise IdentityError("identity_wrong_purpose")
        sub, level = claims.get("sub"), claims.get("level")
        if not isinstance(sub, str) or not sub or not isinstance(level, str) or not level:
            raise IdentityError("identity_malformed", detail="identity_subject")
        guardian = claims.get("guardian_sub")
        if purpose == "guardian_consent" and (not isinstance(guardian, str) or not guardian):
            raise IdentityError("identity_malformed", detail="identity_guardian")
        minor = False
        if purpose == "identity":
            if isinstance(claims.get("birthdate"), str):
                try:
                    minor = is_minor_on(claims["birthdate"], datetime.fromtimestamp(now, JST).date())
                except ValueError:
                    raise IdentityError("identity_malformed", detail="identity_birthdate") from None
            elif isinstance(claims.get("is_minor"), bool):
                minor = claims["is_minor"]
            else:
                raise IdentityError("identity_malformed", detail="identity_age")
        if not isinstance(claims.get("nonce"), str):
            raise IdentityError("identity_malformed", detail="identity_nonce")
        return VerifiedAssertion(provider.issuer, sub, purpose, level, minor, guardian, iat,
                                 hashlib.sha256(token.encode()).hexdigest())

    @staticmethod
    def nonce_of(token: str) -> str:
        return parse_jws(token)[1].get("nonce") or ""


# --- nonces and records --------------------------------------------------------------------------------------
def issue_nonce(db: Session, holder: str, purpose: str, now: int | None = None) -> tuple[str, int]:
    """A fresh nonce for `holder` to have the provider put in its assertion; the caller commits."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    now = int(time.time()) if now is None else now
    db.execute(delete(IdentityNonce).where(IdentityNonce.expires_at < now - NONCE_TTL_SECONDS))
    nonce = secrets.token_urlsafe(18)
    db.add(IdentityNonce(nonce=nonce, holder=to_checksum_address(holder), purpose=purpose, created_at=now,
                         expires_at=now + NONCE_TTL_SECONDS))
    db.flush()
    return nonce, now + NONCE_TTL_SECONDS


def consume_nonce(db: Session, nonce: str, holder: str, purpose: str, now: int | None = None) -> None:
    """Marks the nonce used, if it was issued to `holder` for `purpose`, unused and unexpired (one UPDATE:
    two concurrent uses cannot both succeed); IdentityError otherwise."""
    now = int(time.time()) if now is None else now
    result = db.execute(update(IdentityNonce).where(
        IdentityNonce.nonce == nonce, IdentityNonce.holder == to_checksum_address(holder),
        IdentityNonce.purpose == purpose, IdentityNonce.used_at.is_(None), IdentityNonce.expires_at > now,
    ).values(used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise IdentityError("identity_nonce_invalid")


def record_identity(db: Session, verifier: IdentityVerifier, holder: str, token: str,
                    now: int | None = None) -> Identity:
    """Verifies an identity assertion presented by `holder` and binds the wallet to its nullifier.

    A re-verification updates the level and minor flag (a minor who came of age verifies again).
    The caller commits."""
    now = int(time.time()) if now is None else now
    verified = verifier.verify(token, "identity", now)
    consume_nonce(db, verifier.nonce_of(token), holder, "identity", now)
    return bind_identity(db, verifier, holder, verified.issuer, verified.subject, verified.level,
                         verified.is_minor, now)


def bind_identity(db: Session, verifier: IdentityVerifier, holder: str, issuer: str, subject: str, level: str,
                  is_minor: bool, now: int) -> Identity:
    """Binds `holder` to the person `subject` at `issuer` has verified (any provider, any protocol): their
    nullifier, level and minor flag are kept, the subject is not. The caller commits."""
    nullifier = verifier.nullifier(issuer, subject)
    identity = db.get(Identity, nullifier)
    if identity is None:
        identity = Identity(nullifier=nullifier, provider=issuer, level=level, is_minor=is_minor, verified_at=now)
        db.add(identity)
    else:
        identity.level, identity.is_minor, identity.verified_at = level, is_minor, now
    db.flush()
    address = to_checksum_address(holder)
    wallet = db.get(IdentityWallet, address)
    if wallet is None:
        db.add(IdentityWallet(address=address, nullifier=nullifier, bound_at=now))
    else:
        wallet.nullifier, wallet.bound_at = nullifier, now
    db.flush()
    return identity


def record_consent(db: Session, verifier: IdentityVerifier, holder: str, token: str,
                   now: int | None = None) -> Identity:
    """Verifies a guardian's consent for the verified minor holding `holder`; keeps the guardian's
    nullifier, the time and the assertion's digest. The caller commits."""
    now = int(time.time()) if now is None else now
    identity = identity_of(db, holder)
    if identity is None:
        raise IdentityError("identity_required")
    verified = verifier.verify(token, "guardian_consent", now)
    consume_nonce(db, verifier.nonce_of(token), holder, "guardian_consent", now)
    if verifier.nullifier(verified.issuer, verified.subject) != identity.nullifier:
        raise IdentityError("consent_other_person")
    return give_consent(db, identity, verifier.nullifier(verified.issuer, verified.guardian_subject),
                        verified.digest, now)


def consent_possible(db: Session, holder: str) -> Identity:
    """The identity of `holder` if a guardian's consent can be given for it: verified, and a minor."""
    identity = identity_of(db, holder)
    if identity is None:
        raise IdentityError("identity_required")
    if not identity.is_minor:
        raise IdentityError("consent_not_needed")
    return identity


def give_consent(db: Session, identity: Identity, guardian: str, evidence_digest: str, now: int) -> Identity:
    """Records the consent of the guardian whose nullifier is `guardian` (a signed assertion's, or an OpenID
    Connect login's: backend/identity/oidc_logins.py), with the digest of what proved it. The caller commits."""
    if guardian == identity.nullifier:
        raise IdentityError("consent_self")
    if not identity.is_minor:
        raise IdentityError("consent_not_needed")
    identity.consent_guardian, identity.consent_at, identity.consent_digest = guardian, now, evidence_digest
    db.flush()
    return identity


def identity_of(db: Session, holder: str) -> Identity | None:
    """The verified identity bound to this wallet, or None."""
    row = db.scalar(select(Identity).join(IdentityWallet, IdentityWallet.nullifier == Identity.nullifier)
                    .where(IdentityWallet.address == to_checksum_address(holder)))
    return row


def needs_consent(identity: Identity) -> bool:
    return identity.is_minor and identity.consent_at is None
