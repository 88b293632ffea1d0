"""Staff accounts and their role in each municipality (viewer < staff < admin).

    python -m backend.auth.staff create-admin --username admin [--municipality mine-city] [--email ...]

creates the first administrator (a superuser unless --municipality is given); the password is asked on the
terminal (stdin), or taken from Settings.admin_password ($RESIDENT_ADMIN_PASSWORD) for unattended setups.
The demo seed calls `create_admin` directly.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
import time
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.errors import AccountExists, BadCredentials, NotFound, RoleRequired
from backend.auth.secrets import dummy_verify, hash_secret, verify_secret
from backend.db.models_access import ROLES, AuthSession, StaffAccount, StaffRole
from backend.db.models_chain import Municipality
from backend.errors import Refusal

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_CHARS = 10


@dataclass(frozen=True)
class StaffMember:
    """A signed-in staff member and the roles they hold."""

    id: int
    username: str
    display_name: str
    superuser: bool
    roles: dict[int, str] = field(default_factory=dict)  # municipality id -> role
    must_change_password: bool = False  # signed in with a one-time password: only the password change is open
    totp_enabled: bool = False

    def role_in(self, municipality_id: int) -> str | None:
        return "admin" if self.superuser else self.roles.get(municipality_id)

    def has_role(self, municipality_id: int, min_role: str) -> bool:
        role = self.role_in(municipality_id)
        return role is not None and rank(role) >= rank(min_role)


def rank(role: str) -> int:
    """viewer 0 < staff 1 < admin 2."""
    try:
        return ROLES.index(role)
    except ValueError:
        raise ValueError(f"unknown role {role!r}; one of {ROLES}") from None


def check_role(member: StaffMember, municipality_id: int, min_role: str) -> None:
    """Raise RoleRequired unless `member` has at least `min_role` in `municipality_id`."""
    rank(min_role)
    if not member.has_role(municipality_id, min_role):
        raise RoleRequired("role_needed", role=min_role, municipality_id=municipality_id)


def _normalise_login(value: str) -> str:
    return value.strip().lower()


normalise_login = _normalise_login  # how other account modules (invitations) spell logins the same way


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")


def create_staff(
    db: Session, username: str, password: str, *, email: str | None = None, display_name: str = "",
    superuser: bool = False,
) -> StaffAccount:
    """Add a staff account (password scrypt-hashed). Raises AccountExists; the caller commits."""
    username = _normalise_login(username)
    if not USERNAME.match(username):
        raise ValueError("the username must be 2-64 of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
    check_password_strength(password)
    account = StaffAccount(username=username, email=_normalise_login(email) if email else None,
                           display_name=display_name or username, password_hash=hash_secret(password),
                           superuser=superuser, active=True, created_at=int(time.time()))
    try:
        with db.begin_nested():
            db.add(account)
            db.flush()
    except IntegrityError:
        raise AccountExists() from None
    return account


def grant_role(db: Session, staff_id: int, municipality_id: int, role: str) -> StaffRole:
    """Give (or change) a staff member's role in a municipality. The caller commits."""
    rank(role)
    if db.get(Municipality, municipality_id) is None:
        raise NotFound("no_municipality", municipality_id=municipality_id)
    existing = db.scalar(select(StaffRole).where(StaffRole.staff_id == staff_id,
                                                 StaffRole.municipality_id == municipality_id))
    if existing:
        existing.role = role
        db.flush()
        return existing
    grant = StaffRole(staff_id=staff_id, municipality_id=municipality_id, role=role)
    db.add(grant)
    db.flush()
    return grant


def revoke_role(db: Session, staff_id: int, municipality_id: int) -> bool:
    grant = db.scalar(select(StaffRole).where(StaffRole.staff_id == staff_id,
                                              StaffRole.municipality_id == municipality_id))
    if grant is None:
        return False
    db.delete(grant)
    db.flush()
    return True


def member(db: Session, staff_id: int) -> StaffMember | None:
    """The active staff member with this id, with their roles; None if unknown or disabled."""
    account = db.get(StaffAccount, staff_id)
    if account is None or not account.active:
        return None
    roles = {municipality_id: role for municipality_id, role in db.execute(
        select(StaffRole.municipality_id, StaffRole.role).where(StaffRole.staff_id == staff_id))}
    return StaffMember(id=account.id, username=account.username, display_name=account.display_name,
                       superuser=account.superuser, roles=roles,
                       must_change_password=bool(account.must_change_password),
                       totp_enabled=bool(account.totp_enabled))


def authenticate(db: Session, login: str, password: str, *, now: int | None = None) -> StaffAccount:
    """The active account whose username or email is `login` and whose password matches; else BadCredentials.

    Takes as long for an unknown login as for a wrong password, so logins cannot be enumerated by timing.
    Guessing is slowed by the caller (backend/auth/throttle.py, per login name and client address), never by
    a lock on the account: a lock anyone can trigger would let anyone keep the superuser out.
    """
    now = int(time.time()) if now is None else now
    login = _normalise_login(login or "")
    account = None
    if login and len(login) <= 254:
        account = db.scalar(select(StaffAccount).where(
            (StaffAccount.username == login) | (StaffAccount.email == login)))
    if account is None or not account.active:
        dummy_verify(password or "x")
        raise BadCredentials()
    if not verify_secret(password or "", account.password_hash):
        raise BadCredentials()
    account.last_login_at = now
    return account


def change_password(db: Session, staff_id: int, current: str, new: str, *, keep_session: int | None) -> None:
    """Replace the password (the current one is needed) and end every other session of the account, so a
    session opened with the old password does not outlive it. The caller commits."""
    account = db.get(StaffAccount, staff_id)
    if account is None or not verify_secret(current or "", account.password_hash):
        raise Refusal("current_password_wrong")
    if len(new) < MIN_PASSWORD_CHARS:
        raise Refusal("password_too_short", min_length=MIN_PASSWORD_CHARS)
    account.password_hash = hash_secret(new)
    account.must_change_password = False
    db.execute(delete(AuthSession).where(AuthSession.kind == "staff", AuthSession.subject == str(staff_id),
                                         AuthSession.id != (keep_session or 0)))
    db.flush()


def create_admin(
    db: Session, username: str, password: str, *, municipality_id: int | None = None, email: str | None = None,
    display_name: str = "",
) -> StaffAccount:
    """The first administrator: a superuser, or (with municipality_id) an admin of that municipality.

    Idempotent for the demo seed: an existing account with this username is returned unchanged (its
    password is NOT reset) after making sure it has the admin role. The caller commits.
    """
    existing = db.scalar(select(StaffAccount).where(StaffAccount.username == _normalise_login(username)))
    account = existing or create_staff(db, username, password, email=email, display_name=display_name,
                                       superuser=municipality_id is None)
    if municipality_id is not None:
        grant_role(db, account.id, municipality_id, "admin")
    return account


def staff_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(StaffAccount)) or 0


def _municipality_id(db: Session, slug_or_id: str) -> int:
    if slug_or_id.isdigit():
        found = db.get(Municipality, int(slug_or_id))
    else:
        found = db.scalar(select(Municipality).where(Municipality.slug == slug_or_id))
    if found is None:
        raise SystemExit(f"No municipality {slug_or_id!r}: register its collection first (make run does).")
    return found.id


def main(argv: list[str] | None = None) -> int:
    from backend.db import begin_immediate, make_engine, migrate, session_factory
    from backend.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m backend.auth.staff", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create the first staff administrator")
    create.add_argument("--username", required=True)
    create.add_argument("--email")
    create.add_argument("--municipality", help="slug or id; without it the account is a superuser")
    args = parser.parse_args(argv)

    settings = Settings()
    given = settings.admin_password
    password = given.get_secret_value() if given is not None else getpass.getpass("Password (10+ characters): ")
    try:
        check_password_strength(password)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as db:
            begin_immediate(db)  # a running backend's indexer may be writing too
            municipality_id = _municipality_id(db, args.municipality) if args.municipality else None
            try:
                account = create_admin(db, args.username, password, municipality_id=municipality_id,
                                       email=args.email)
            except (AccountExists, ValueError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            db.commit()
            scope = f"admin of municipality {municipality_id}" if municipality_id else "superuser"
            print(f"staff account {account.username!r} (id {account.id}) is {scope}")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
