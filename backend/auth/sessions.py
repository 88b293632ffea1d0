"""Sessions for every kind of user: holders (subject = address), staff and venue accounts (subject = id).

A session is a random token given to the client once (as an HTTP-only cookie AND in the JSON answer, for
API clients that send `Authorization: Bearer <token>`); the database keeps only its SHA-256 digest, the
kind, the subject and the expiry. A token of one kind never resolves as another kind, and each kind has
its own cookie name, so a holder cookie cannot open the staff API.

Use from another area (e.g. venue accounts):

    token, expires_at = create_session(db, "venue", str(account.id))
    set_session_cookie(response, "venue", token, expires_at, settings)
    ...
    VenueSession = Annotated[SessionInfo, Depends(session_of("venue"))]   # backend/api/deps.py
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.auth.secrets import random_token, token_digest
from backend.db.models_access import SESSION_KINDS, AuthSession

# Lifetimes: a holder's phone stays signed in for a week; staff and venue desks for a working day.
TTL_SECONDS = {"holder": 7 * 24 * 3600, "staff": 10 * 3600, "venue": 14 * 3600}
COOKIE_NAMES = {"holder": "resident_session", "staff": "resident_staff_session", "venue": "resident_venue_session"}
MAX_TOKEN_CHARS = 200


@dataclass(frozen=True)
class SessionInfo:
    """A resolved session."""

    id: int
    kind: str
    subject: str
    expires_at: int
    token_digest: str


def _check_kind(kind: str) -> None:
    if kind not in SESSION_KINDS:
        raise ValueError(f"unknown session kind {kind!r}; one of {SESSION_KINDS}")


def create_session(
    db: Session, kind: str, subject_id: str | int, *, ttl: int | None = None, not_after: int | None = None,
    now: int | None = None,
) -> tuple[str, int]:
    """Start a session; returns (token, expires_at). The caller commits. `not_after` caps the expiry."""
    _check_kind(kind)
    now = int(time.time()) if now is None else now
    expires_at = now + (TTL_SECONDS[kind] if ttl is None else ttl)
    if not_after is not None:
        expires_at = min(expires_at, not_after)
    token = random_token()
    db.add(AuthSession(kind=kind, subject=str(subject_id), token_digest=token_digest(token), created_at=now,
                       expires_at=expires_at))
    db.flush()
    return token, expires_at


def resolve(db: Session, kind: str, token: str | None, *, now: int | None = None) -> SessionInfo | None:
    """The live session of `kind` that `token` opens, or None (unknown, other kind, expired)."""
    _check_kind(kind)
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now = int(time.time()) if now is None else now
    row = db.scalar(select(AuthSession).where(AuthSession.token_digest == token_digest(token),
                                              AuthSession.kind == kind))
    if row is None or row.expires_at <= now:
        return None
    return SessionInfo(id=row.id, kind=row.kind, subject=row.subject, expires_at=row.expires_at,
                       token_digest=row.token_digest)


def end_session(db: Session, kind: str, token: str | None) -> bool:
    """Log out: delete the session `token` opens. True if there was one. The caller commits."""
    _check_kind(kind)
    if not token or len(token) > MAX_TOKEN_CHARS:
        return False
    result = db.execute(delete(AuthSession).where(AuthSession.token_digest == token_digest(token),
                                                  AuthSession.kind == kind))
    return result.rowcount > 0


def end_sessions_of(db: Session, kind: str, subject_id: str | int) -> int:
    """End every session of one subject (password change, account disabled). The caller commits."""
    _check_kind(kind)
    result = db.execute(delete(AuthSession).where(AuthSession.kind == kind, AuthSession.subject == str(subject_id)))
    return result.rowcount


def purge_expired(db: Session, *, now: int | None = None) -> int:
    """Delete expired sessions (housekeeping; called now and then by sign-ins)."""
    now = int(time.time()) if now is None else now
    return db.execute(delete(AuthSession).where(AuthSession.expires_at <= now)).rowcount


# --- HTTP side: where a token comes from, how the cookie is set -----------------------------------------
def token_from_request(request: Request, kind: str) -> str | None:
    """The bearer token (`Authorization: Bearer ...`) if present, else the kind's cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE_NAMES[kind])


def set_session_cookie(response: Response, kind: str, token: str, expires_at: int, public_url: str) -> None:
    """HTTP-only, SameSite=Lax, Secure when the site is served over https; lives as long as the session."""
    response.set_cookie(
        COOKIE_NAMES[kind], token, max_age=max(0, expires_at - int(time.time())), path="/", httponly=True,
        samesite="lax", secure=public_url.lower().startswith("https://"),
    )


def clear_session_cookie(response: Response, kind: str, public_url: str) -> None:
    response.delete_cookie(COOKIE_NAMES[kind], path="/", httponly=True, samesite="lax",
                           secure=public_url.lower().startswith("https://"))
