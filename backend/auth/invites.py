"""Staff join a municipality when one of its admins invites them, with a role, in one of two ways:

- a one-time link: a random token shown once (kept as its SHA-256 digest), valid for INVITE_SECONDS and used
  up by the first acceptance, where the invitee picks their login name, display name and password;
- a one-time password: the account is made at once with a random password shown once, which its owner
  must replace at first sign-in (StaffAccount.must_change_password).

An invitation naming an existing account (by login name or email) gives that account the role at once.
The caller checks that the actor is an admin of the municipality, and commits.
"""

from __future__ import annotations

import secrets as _random
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.auth.secrets import random_token, token_digest
from backend.auth.staff import (MIN_PASSWORD_CHARS, USERNAME, StaffMember, create_staff, grant_role,
                                normalise_login, rank)
from backend.db.models_access import StaffAccount, StaffInvite, StaffRole
from backend.db.models_chain import Municipality
from backend.errors import Refusal

INVITE_SECONDS = 7 * 24 * 3600
METHODS = ("link", "password")
# Read aloud or typed from a note: no 0/O, 1/l/I. 16 of 56 symbols: 92 bits.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_PASSWORD_CHARS = 16
MAX_TOKEN_CHARS = 200


@dataclass(frozen=True)
class Invited:
    """What an invitation did: "granted" (an existing account got the role), "link" (token to hand over) or
    "password" (a new account and its one-time password). The secrets are shown once and never again."""

    kind: str
    role: str
    staff_id: int | None = None
    username: str | None = None
    token: str | None = None
    expires_at: int | None = None
    password: str | None = None


def _existing(db: Session, username: str | None, email: str | None) -> StaffAccount | None:
    for column, value in ((StaffAccount.username, username), (StaffAccount.email, email)):
        if value:
            found = db.scalar(select(StaffAccount).where(column == value))
            if found is not None:
                return found
    return None


def check_login_name(username: str) -> str:
    username = normalise_login(username)
    if not USERNAME.match(username):
        raise Refusal("login_name_invalid")
    return username


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise Refusal("password_too_short", min_length=MIN_PASSWORD_CHARS)


def one_time_password() -> str:
    return "".join(_random.choice(PASSWORD_ALPHABET) for _ in range(ONE_TIME_PASSWORD_CHARS))


def invite(db: Session, actor: StaffMember, municipality_id: int, role: str, method: str, *,
           username: str | None = None, email: str | None = None, display_name: str = "",
           now: int | None = None) -> Invited:
    rank(role)
    if method not in METHODS:
        raise ValueError(f"unknown invitation method {method!r}; one of {METHODS}")
    now = int(time.time()) if now is None else now
    username = check_login_name(username) if username else None
    email = normalise_login(email) if email else None
    account = _existing(db, username, email)
    if account is not None:
        if account.superuser and not actor.superuser:
            raise Refusal("superuser_protected")
        if db.scalar(select(StaffRole.id).where(StaffRole.staff_id == account.id,
                                                StaffRole.municipality_id == municipality_id)) is not None:
            raise Refusal("already_staff", username=account.username)
        grant_role(db, account.id, municipality_id, role)
        return Invited("granted", role, staff_id=account.id, username=account.username)
    if method == "password":
        if not username:
            raise Refusal("login_name_needed")
        password = one_time_password()
        account = create_staff(db, username, password, email=email, display_name=display_name)
        account.must_change_password = True
        grant_role(db, account.id, municipality_id, role)
        return Invited("password", role, staff_id=account.id, username=account.username, password=password)
    if db.get(Municipality, municipality_id) is None:
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    token = random_token()
    row = StaffInvite(municipality_id=municipality_id, role=role, token_digest=token_digest(token), email=email,
                      invited_by=actor.id, created_at=now, expires_at=now + INVITE_SECONDS)
    db.add(row)
    db.flush()
    return Invited("link", role, token=token, expires_at=row.expires_at)


def open_invite(db: Session, token: str | None, *, now: int | None = None) -> StaffInvite:
    """The unused, unexpired invitation of `token`; one answer (`invite_invalid`) for unknown, used, expired."""
    now = int(time.time()) if now is None else now
    row = None
    if isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS:
        row = db.scalar(select(StaffInvite).where(StaffInvite.token_digest == token_digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Refusal("invite_invalid")
    return row


def accept(db: Session, token: str, username: str, password: str, *, display_name: str = "",
           now: int | None = None) -> StaffAccount:
    """Make the invitee's account with the invitation's role; the invitation is used up in the same
    transaction, by a conditional UPDATE, so two acceptances of one link make one account."""
    now = int(time.time()) if now is None else now
    row = open_invite(db, token, now=now)
    username = check_login_name(username)
    check_new_password(password)
    account = create_staff(db, username, password, email=row.email, display_name=display_name)
    used = db.execute(update(StaffInvite).where(StaffInvite.id == row.id, StaffInvite.used_at.is_(None),
                                                StaffInvite.expires_at > now)
                      .values(used_at=now, used_by=account.id).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        raise Refusal("invite_invalid")
    grant_role(db, account.id, row.municipality_id, row.role)
    return account


def pending(db: Session, municipality_id: int, *, now: int | None = None) -> list[StaffInvite]:
    """The municipality's invitations not used and not expired, newest first."""
    now = int(time.time()) if now is None else now
    return list(db.scalars(select(StaffInvite).where(StaffInvite.municipality_id == municipality_id,
                                                     StaffInvite.used_at.is_(None), StaffInvite.expires_at > now)
                           .order_by(StaffInvite.id.desc())))


def cancel(db: Session, municipality_id: int, invite_id: int) -> None:
    row = db.get(StaffInvite, invite_id)
    if row is None or row.municipality_id != municipality_id:
        raise Refusal("invite_not_found", invite_id=invite_id)
    db.delete(row)
    db.flush()
