"""Logins at an OpenID Connect provider, from the holder page and back (backend/identity/oidc.py speaks to it).

`start_login`: a signed-in holder asks to verify with a configured provider; the state, nonce and PKCE code
verifier are made here and kept server side (oidc_logins: the state and nonce as digests, the verifier
sealed under the sealing key, bound to the row), single use, LOGIN_TTL_SECONDS, bound to the holder's wallet.
The holder's browser goes to the authorization URL.

A login's purpose is the holder's own identity, or (`guardian_consent`, for a verified minor) the consent of a
guardian, who signs in at the provider on the same page: they must be an adult and another person than the
minor, and what is kept is their nullifier and the digest of the ID token that proved it.

`finish_login`: the provider sends the browser back to Settings.oidc_redirect_uri with `code` and `state`;
the holder page posts them from our own origin. The login is consumed first (one conditional UPDATE, so a
replay or a race loses) and committed, then the code is exchanged and the ID token verified outside any
write transaction (no lock is held while the provider answers), then the wallet is bound through
`bind_identity`, the path signed assertions take: the nullifier of (issuer, sub), never the sub.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime

from authlib.common.security import generate_token
from eth_utils import to_checksum_address
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.auth.sealed import SealBroken, seal, unseal
from backend.db.models_residency import Identity, OidcLogin
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.identity.oidc import OidcClient, digest
from backend.identity.verifier import IdentityVerifier, bind_identity, consent_possible, give_consent, is_minor_on
from backend.perks.rules import JST

LOGIN_TTL_SECONDS = 10 * 60
SEAL_PURPOSE = "oidc-code-verifier"


def client_of(verifier: IdentityVerifier, provider: str) -> OidcClient:
    client = verifier.oidc.get(provider)
    if client is None:
        raise Refusal("oidc_provider_unknown")
    return client


PURPOSES = ("identity", "guardian_consent")


def start_login(db: Session, client: OidcClient, holder: str, sealing_key: str, now: int | None = None,
                purpose: str = "identity") -> tuple[str, int]:
    """(the provider's authorization URL, when the login expires) for `holder`; the caller commits. A guardian's
    consent is refused before the provider is asked when the holder is not a verified minor."""
    now = int(time.time()) if now is None else now
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    if purpose == "guardian_consent":
        consent_possible(db, holder)
    client.metadata()  # an unreachable provider fails before anything is written
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = generate_token(64)  # RFC 7636 §4.1: 43–128 unreserved characters
    db.execute(delete(OidcLogin).where(OidcLogin.expires_at < now - LOGIN_TTL_SECONDS))
    state_digest = digest(state)
    db.add(OidcLogin(state_digest=state_digest, nonce_digest=digest(nonce), provider=client.id,
                     code_verifier=seal(sealing_key, SEAL_PURPOSE, verifier, bound_to=state_digest),
                     holder=to_checksum_address(holder), purpose=purpose, created_at=now,
                     expires_at=now + LOGIN_TTL_SECONDS))
    db.flush()
    prompt = "login" if purpose == "guardian_consent" else None  # the guardian, not the minor's session there
    return client.authorization_url(state, nonce, verifier, prompt), now + LOGIN_TTL_SECONDS


def consume_login(db: Session, state: str, holder: str, now: int) -> OidcLogin:
    """The login `state` names, marked used, if `holder` started it and it is unused and unexpired."""
    state_digest = digest(state)
    result = db.execute(update(OidcLogin).where(
        OidcLogin.state_digest == state_digest, OidcLogin.holder == to_checksum_address(holder),
        OidcLogin.used_at.is_(None), OidcLogin.expires_at > now,
    ).values(used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Refusal("oidc_state_invalid")
    return db.scalar(select(OidcLogin).where(OidcLogin.state_digest == state_digest))


def finish_login(db: Session, verifier: IdentityVerifier, holder: str, state: str, code: str | None,
                 error: str | None, sealing_key: str, issuer: str | None = None, now: int | None = None) -> Identity:
    """Consumes the login, exchanges the code, verifies the ID token and binds the wallet (committed).

    `issuer` is the authorization response's `iss` (RFC 9207), when the provider sends one: it must be the
    provider the login went to, or the code may be another provider's (a mix-up)."""
    now = int(time.time()) if now is None else now
    write_transaction(db)
    login = consume_login(db, state, holder, now)
    provider, nonce_digest, state_digest, sealed, purpose = (login.provider, login.nonce_digest, login.state_digest,
                                                             login.code_verifier, login.purpose)
    db.commit()
    if error is not None or not code:
        raise Refusal("oidc_denied", error=(error or "no code")[:60])
    client = client_of(verifier, provider)
    if issuer is not None and issuer != client.issuer:
        raise Refusal("oidc_wrong_issuer")
    try:
        code_verifier = unseal(sealing_key, SEAL_PURPOSE, sealed, bound_to=state_digest)
    except SealBroken:
        raise Refusal("oidc_state_invalid") from None
    token = client.exchange(code, code_verifier)
    person = client.person(token, nonce_digest, now)
    if person.birthdate is None:
        raise Refusal("oidc_birthdate_missing")
    try:
        minor = is_minor_on(person.birthdate, datetime.fromtimestamp(now, JST).date())
    except ValueError:
        raise Refusal("oidc_birthdate_missing") from None
    write_transaction(db)
    if purpose == "guardian_consent":
        if minor:
            raise Refusal("consent_guardian_minor")
        identity = give_consent(db, consent_possible(db, holder), verifier.nullifier(person.issuer, person.subject),
                                digest(token["id_token"]), now)
    else:
        identity = bind_identity(db, verifier, holder, person.issuer, person.subject, client.config.level, minor,
                                 now)
    db.commit()
    return identity
