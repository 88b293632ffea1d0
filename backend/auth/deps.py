"""FastAPI dependencies for who is asking; a handler's signature declares what it needs:

    def read_my_cards(holder: CurrentHolder, session: SessionDep): ...
    def list_perks(municipality_id: int, staff: Annotated[StaffMember, Depends(require_staff("viewer"))]): ...
    def edit_perk(perk_id: int, staff: CurrentStaff, session: SessionDep):
        require_staff_role(staff, perk.municipality_id, "staff")     # when the municipality comes from data

Venue accounts (backend/venues) reuse the same machinery:
    VenueSession = Annotated[SessionInfo, Depends(session_of("venue"))]   # .subject = account id as text
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backend.api.deps import SessionDep
from backend.auth.errors import NotSignedIn
from backend.auth.sessions import SessionInfo, resolve, token_from_request
from backend.auth.staff import StaffMember, check_role, member, rank
from backend.db.session import begin_immediate


def session_of(kind: str):
    """A dependency that returns the live session of `kind` (bearer token or that kind's cookie), or 401."""

    def dependency(request: Request, db: SessionDep) -> SessionInfo:
        info = resolve(db, kind, token_from_request(request, kind))
        if info is None:
            raise NotSignedIn()
        return info

    dependency.__name__ = f"{kind}_session"
    return dependency


def optional_session_of(kind: str):
    """Like session_of, but None instead of 401 (pages that behave differently when signed in)."""

    def dependency(request: Request, db: SessionDep) -> SessionInfo | None:
        return resolve(db, kind, token_from_request(request, kind))

    dependency.__name__ = f"optional_{kind}_session"
    return dependency


@dataclass(frozen=True)
class HolderIdentity:
    """A signed-in holder: the wallet address that signed the EIP-4361 message."""

    address: str
    session: SessionInfo


def current_holder(info: Annotated[SessionInfo, Depends(session_of("holder"))]) -> HolderIdentity:
    return HolderIdentity(address=info.subject, session=info)


def optional_holder(
    info: Annotated[SessionInfo | None, Depends(optional_session_of("holder"))],
) -> HolderIdentity | None:
    return HolderIdentity(address=info.subject, session=info) if info else None


def current_staff(info: Annotated[SessionInfo, Depends(session_of("staff"))], db: SessionDep) -> StaffMember:
    staff = member(db, int(info.subject))
    if staff is None:  # account disabled or deleted since sign-in
        raise NotSignedIn()
    return staff


CurrentHolder = Annotated[HolderIdentity, Depends(current_holder)]
OptionalHolder = Annotated[HolderIdentity | None, Depends(optional_holder)]
CurrentStaff = Annotated[StaffMember, Depends(current_staff)]


def require_staff(min_role: str):
    """A dependency for routes with a `{municipality_id}` path parameter: the staff member, if they hold
    at least `min_role` there (403 otherwise, 401 without a staff session)."""
    rank(min_role)

    def dependency(municipality_id: int, staff: CurrentStaff) -> StaffMember:
        check_role(staff, municipality_id, min_role)
        return staff

    dependency.__name__ = f"require_staff_{min_role}"
    return dependency


def require_staff_role(staff: StaffMember, municipality_id: int, min_role: str) -> StaffMember:
    """In a handler, when the municipality comes from data (a perk's collection...): 403 unless allowed."""
    check_role(staff, municipality_id, min_role)
    return staff


def write_transaction(db: Session) -> None:
    """Start the handler's read-decide-write work in a write transaction.

    Ends the read-only transaction that dependencies (session lookup) opened, then begins anew holding the
    write lock on SQLite (BEGIN IMMEDIATE). Without this, a transaction that read first and writes later
    fails with "database is locked" when another writer (the indexer thread) committed in between.
    """
    if db.in_transaction():
        if db.new or db.dirty or db.deleted:
            raise RuntimeError("write_transaction must come before the handler's first change")
        db.commit()
    begin_immediate(db)
