"""Perks: defined per collection, used in the town or online (never goods shipped)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import CurrentStaff, Editor, SessionDep, Viewer, require_staff_role
from backend.api.schemas import PerkOut, perk_out
from backend.db.session import write_transaction
from backend.perks import service as perks
from backend.perks.rules import KINDS, PERIODS

router = APIRouter(prefix="/staff", tags=["staff"])


class PerkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection_id: int
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    description_ja: str = Field(default="", max_length=2000)
    description_en: str = Field(default="", max_length=2000)
    kind: str = Field(description=f"One of {', '.join(KINDS)}: used in the town or online, never shipped goods")
    min_tier: int = 0
    soulbound_only: bool = False
    min_holding_days: int = 0
    limit_count: int | None = Field(default=1, description="Uses per period; empty when unlimited")
    limit_period: str = Field(default="day", description=f"One of {', '.join(PERIODS)} (Japan time)")
    active: bool = True
    venue_ids: list[int] = Field(default_factory=list, description="Venues that may redeem it")


class PerkPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    description_ja: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    kind: str | None = None
    min_tier: int | None = None
    soulbound_only: bool | None = None
    min_holding_days: int | None = None
    limit_count: int | None = None
    limit_period: str | None = None
    active: bool | None = None
    venue_ids: list[int] | None = None


def _perks_out(session, rows) -> list[PerkOut]:
    return [perk_out(perk, venues) for perk, venues in perks.with_venues(session, rows)]


@router.get("/municipalities/{municipality_id}/perks", response_model=list[PerkOut], summary="Perks")
def list_perks(municipality_id: int, staff: Viewer, session: SessionDep) -> list[PerkOut]:
    """The municipality's perks with their venues, by id."""
    return _perks_out(session, perks.perks_of(session, municipality_id))


@router.post("/municipalities/{municipality_id}/perks", response_model=PerkOut, status_code=201,
             summary="Define a perk (used in the town or online, never goods shipped)")
def create_perk(municipality_id: int, body: PerkIn, staff: Editor, session: SessionDep) -> PerkOut:
    """Defines a perk of one of the municipality's collections, and the venues that may redeem it."""
    write_transaction(session)
    perk = perks.define_perk(session, municipality_id, body.collection_id,
                             body.model_dump(exclude={"collection_id", "venue_ids"}), body.venue_ids)
    session.commit()
    return _perks_out(session, [perk])[0]


@router.patch("/perks/{perk_id}", response_model=PerkOut, summary="Change a perk (or deactivate it)")
def update_perk(perk_id: int, body: PerkPatch, staff: CurrentStaff, session: SessionDep) -> PerkOut:
    """Changes the given fields of a perk (staff of its municipality); `venue_ids` replaces its venues."""
    write_transaction(session)
    perk, municipality_id = perks.get_perk(session, perk_id)
    require_staff_role(staff, municipality_id, "staff")
    perks.change_perk(session, perk, body.model_dump(exclude_unset=True, exclude={"venue_ids"}), body.venue_ids)
    session.commit()
    return _perks_out(session, [perk])[0]
