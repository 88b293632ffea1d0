"""EIP-4361 nonces: handed out by the server, short-lived, consumed at most once.

Consumption is one conditional UPDATE (`... WHERE nonce = ? AND used_at IS NULL AND expires_at > now`):
the database decides, so two concurrent sign-ins with the same signed message cannot both succeed
(SQLite serialises writers; PostgreSQL re-checks the WHERE clause after the first update's row lock).
"""

from __future__ import annotations

import secrets
import string
import time

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from backend.db.models_access import SignInNonce

NONCE_TTL_SECONDS = 5 * 60
NONCE_CHARS = 17  # 17 alphanumerics = 101 bits; EIP-4361 asks for at least 8
_ALPHABET = string.ascii_letters + string.digits


def new_nonce_text() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(NONCE_CHARS))


def issue_nonce(db: Session, *, now: int | None = None) -> tuple[str, int]:
    """Store a fresh nonce; returns (nonce, expires_at). The caller commits."""
    now = int(time.time()) if now is None else now
    # Housekeeping: nonces past their expiry (used or not) can go.
    db.execute(delete(SignInNonce).where(SignInNonce.expires_at < now - NONCE_TTL_SECONDS))
    nonce = new_nonce_text()
    expires_at = now + NONCE_TTL_SECONDS
    db.add(SignInNonce(nonce=nonce, created_at=now, expires_at=expires_at))
    db.flush()
    return nonce, expires_at


def consume_nonce(db: Session, nonce: str, *, now: int | None = None) -> bool:
    """Mark `nonce` used if it exists, is unused and unexpired; True if this call consumed it."""
    now = int(time.time()) if now is None else now
    result = db.execute(
        update(SignInNonce)
        .where(SignInNonce.nonce == nonce, SignInNonce.used_at.is_(None), SignInNonce.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
