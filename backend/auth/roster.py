"""Who works for a municipality, as its admins manage it: the list with roles, a role changed, a member
removed, an account deactivated or reactivated.

Rules on every change: only a superuser touches a superuser's account; the municipality keeps at least one
active admin (nobody demotes, removes or deactivates its last one, themselves included); nobody deactivates
their own account (it would end the session asking and lock them out); an account that
also works for a municipality the actor does not administer is not deactivated (that would reach into
another municipality): it is removed from this one instead. The caller commits.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.auth.sessions import end_sessions_of
from backend.auth.staff import StaffMember, grant_role, rank
from backend.db.models_access import StaffAccount, StaffRole
from backend.errors import Refusal


def staff_of(db: Session, municipality_id: int) -> list[tuple[StaffAccount, str]]:
    """The accounts with a role in the municipality and that role, by username."""
    return list(db.execute(select(StaffAccount, StaffRole.role).join(StaffRole, StaffRole.staff_id == StaffAccount.id)
                           .where(StaffRole.municipality_id == municipality_id).order_by(StaffAccount.username)))


def _member_here(db: Session, actor: StaffMember, municipality_id: int, staff_id: int) -> tuple[StaffAccount,
                                                                                                 StaffRole]:
    grant = db.scalar(select(StaffRole).where(StaffRole.staff_id == staff_id,
                                              StaffRole.municipality_id == municipality_id))
    account = db.get(StaffAccount, staff_id) if grant is not None else None
    if account is None:  # staff of another municipality are nobody here: the same answer as unknown ids
        raise Refusal("staff_not_found", staff_id=staff_id)
    if account.superuser and not actor.superuser:
        raise Refusal("superuser_protected")
    return account, grant


def _other_active_admins(db: Session, municipality_id: int, staff_id: int) -> int:
    return db.scalar(select(func.count()).select_from(StaffRole).join(StaffAccount,
                                                                      StaffAccount.id == StaffRole.staff_id)
                     .where(StaffRole.municipality_id == municipality_id, StaffRole.role == "admin",
                            StaffRole.staff_id != staff_id, StaffAccount.active.is_(True))) or 0


def _keep_an_admin(db: Session, municipality_id: int, account: StaffAccount, grant: StaffRole) -> None:
    if grant.role == "admin" and account.active and _other_active_admins(db, municipality_id, account.id) == 0:
        raise Refusal("last_admin")


def change_role(db: Session, actor: StaffMember, municipality_id: int, staff_id: int, role: str) -> StaffRole:
    rank(role)
    account, grant = _member_here(db, actor, municipality_id, staff_id)
    if role != "admin":
        _keep_an_admin(db, municipality_id, account, grant)
    return grant_role(db, account.id, municipality_id, role)


def remove(db: Session, actor: StaffMember, municipality_id: int, staff_id: int) -> None:
    """The member loses their role here (their account and other roles stay); effective on their next request."""
    account, grant = _member_here(db, actor, municipality_id, staff_id)
    _keep_an_admin(db, municipality_id, account, grant)
    db.delete(grant)
    db.flush()


def set_active(db: Session, actor: StaffMember, municipality_id: int, staff_id: int, active: bool) -> StaffAccount:
    """Deactivate (no sign-in, every session ends at once) or reactivate an account of this municipality."""
    account, _ = _member_here(db, actor, municipality_id, staff_id)
    if account.active == active:
        return account
    grants = list(db.scalars(select(StaffRole).where(StaffRole.staff_id == account.id)))
    if any(not actor.has_role(g.municipality_id, "admin") for g in grants):
        raise Refusal("account_shared")
    if not active:
        for grant in grants:
            _keep_an_admin(db, grant.municipality_id, account, grant)
        if account.id == actor.id:  # it would end this very session and lock its owner out
            raise Refusal("deactivate_self")
        end_sessions_of(db, "staff", account.id)
    account.active = active
    db.flush()
    return account
