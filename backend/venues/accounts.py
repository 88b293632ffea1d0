"""Venue accounts: the login a venue's desk uses; passwords as scrypt hashes (backend/auth/secrets.py)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.auth.secrets import dummy_verify, hash_secret, token_digest, verify_secret
from backend.auth.sessions import MAX_TOKEN_CHARS
from backend.db.models_perks import Venue, VenueAccount
from backend.errors import Refusal

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,99}$")
MIN_PASSWORD = 10


def create_account(session: Session, venue: Venue, login: str, password: str) -> VenueAccount:
    """Adds a login for `venue`; flushes, does not commit."""
    login = login.strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise Refusal("login_invalid")
    if len(password) < MIN_PASSWORD:
        raise Refusal("password_too_short", min_length=MIN_PASSWORD)
    if session.scalar(select(VenueAccount.id).where(VenueAccount.login == login)) is not None:
        raise Refusal("login_taken", login=login)
    account = VenueAccount(venue_id=venue.id, login=login, password_hash=hash_secret(password))
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, login: str, password: str) -> VenueAccount | None:
    """The active account of an active venue whose password matches; None otherwise (same time either way)."""
    account = session.scalar(select(VenueAccount).join(Venue, Venue.id == VenueAccount.venue_id).where(
        VenueAccount.login == login.strip().lower(), VenueAccount.active, Venue.active))
    if account is None:
        dummy_verify(password)
        return None
    if not verify_secret(password, account.password_hash):
        return None
    account.last_login_at = int(time.time())
    return account


_VENUE_OF_TOKEN = text("""
SELECT a.id, a.venue_id, v.municipality_id, v.name_ja, v.name_en, a.login
FROM auth_sessions s
JOIN venue_accounts a ON a.id = CAST(s.subject AS INTEGER)
JOIN venues v ON v.id = a.venue_id
WHERE s.token_digest = :digest AND s.kind = 'venue' AND s.expires_at > :now AND a.active AND v.active
""")


@dataclass(frozen=True)
class VenueSession:
    """The venue account a request comes from."""

    account_id: int
    venue_id: int
    municipality_id: int
    name_ja: str
    name_en: str
    login: str = ""  # the account's login (who, in the audit log)


def venue_of_token(session: Session, token: str | None, now: float | None = None) -> VenueSession | None:
    """The venue whose live session `token` opens (one query: session, account and venue all active)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now = time.time() if now is None else now
    row = session.execute(_VENUE_OF_TOKEN, {"digest": token_digest(token), "now": int(now)}).first()
    return VenueSession(*row) if row else None
