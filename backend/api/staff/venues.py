"""Venues and the logins of their desks."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import CurrentStaff, Editor, SessionDep, Viewer, require_staff_role
from backend.api.schemas import VenueOut
from backend.auth.staff import StaffMember
from backend.db.models_perks import Venue
from backend.db.session import write_transaction
from backend.venues import service as venues
from backend.venues.accounts import MIN_PASSWORD, create_account

router = APIRouter(prefix="/staff", tags=["staff"])


class VenueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)


class VenuePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class StaffVenueOut(VenueOut):
    model_config = ConfigDict(from_attributes=True)
    municipality_id: int
    active: bool


def _venue_for(session, staff: StaffMember, venue_id: int, min_role: str) -> Venue:
    venue = venues.get_venue(session, venue_id)
    require_staff_role(staff, venue.municipality_id, min_role)
    return venue


@router.get("/municipalities/{municipality_id}/venues", response_model=list[StaffVenueOut], summary="Venues")
def list_venues(municipality_id: int, staff: Viewer, session: SessionDep) -> list[StaffVenueOut]:
    """The municipality's venues, by id."""
    return [StaffVenueOut.model_validate(v) for v in venues.venues_of(session, municipality_id)]


@router.post("/municipalities/{municipality_id}/venues", response_model=StaffVenueOut, status_code=201,
             summary="Add a venue")
def create_venue(municipality_id: int, body: VenueIn, staff: Editor, session: SessionDep) -> StaffVenueOut:
    """Adds a venue; 409 if the municipality has one of that name."""
    write_transaction(session)
    venue = venues.add_venue(session, municipality_id, body.name_ja, body.name_en)
    session.commit()
    return StaffVenueOut.model_validate(venue)


@router.patch("/venues/{venue_id}", response_model=StaffVenueOut, summary="Rename or (de)activate a venue")
def update_venue(venue_id: int, body: VenuePatch, staff: CurrentStaff, session: SessionDep) -> StaffVenueOut:
    """Changes the given fields of a venue (staff of its municipality)."""
    write_transaction(session)
    venue = venues.change_venue(session, _venue_for(session, staff, venue_id, "staff"),
                                body.model_dump(exclude_none=True))
    session.commit()
    return StaffVenueOut.model_validate(venue)


class VenueAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=3, max_length=100)
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)


class VenueAccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_PASSWORD, max_length=200)


class VenueAccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    venue_id: int
    login: str
    active: bool
    last_login_at: int | None


@router.get("/venues/{venue_id}/accounts", response_model=list[VenueAccountOut], summary="A venue's logins")
def list_venue_accounts(venue_id: int, staff: CurrentStaff, session: SessionDep) -> list[VenueAccountOut]:
    """The venue's desk logins, by id."""
    _venue_for(session, staff, venue_id, "viewer")
    return [VenueAccountOut.model_validate(a) for a in venues.accounts_of(session, venue_id)]


@router.post("/venues/{venue_id}/accounts", response_model=VenueAccountOut, status_code=201,
             summary="Add a login for a venue's desk")
def create_venue_account(venue_id: int, body: VenueAccountIn, staff: CurrentStaff,
                         session: SessionDep) -> VenueAccountOut:
    """Adds a desk login (its password is stored as a scrypt hash)."""
    write_transaction(session)
    account = create_account(session, _venue_for(session, staff, venue_id, "staff"), body.login, body.password)
    session.commit()
    return VenueAccountOut.model_validate(account)


@router.patch("/venue-accounts/{account_id}", response_model=VenueAccountOut,
              summary="Disable a venue login or set its password (ends its sessions)")
def update_venue_account(account_id: int, body: VenueAccountPatch, staff: CurrentStaff,
                         session: SessionDep) -> VenueAccountOut:
    """Disables (or enables) a desk login or sets its password; its sessions end either way."""
    write_transaction(session)
    account = venues.get_account(session, account_id)
    _venue_for(session, staff, account.venue_id, "staff")
    account = venues.change_account(session, account, body.active, body.password)
    session.commit()
    return VenueAccountOut.model_validate(account)
