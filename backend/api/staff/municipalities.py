"""Municipalities (a superuser adds them) and their collections (an admin registers deployed ones)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import Admin, CurrentStaff, SessionDep, SettingsDep, Viewer
from backend.db.session import write_transaction
from backend.demo_mark import demo_ids
from backend.errors import Refusal
from backend.staff import municipalities

router = APIRouter(prefix="/staff", tags=["staff"])


class MunicipalityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_ja: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")


class MunicipalityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name_ja: str
    name_en: str
    demo: bool = Field(default=False, description="Its data is demo data seeded by `make run`, not real figures")


@router.get("/municipalities", response_model=list[MunicipalityOut], summary="Municipalities I may see")
def list_municipalities(staff: CurrentStaff, session: SessionDep) -> list[MunicipalityOut]:
    """The municipalities where I hold a role."""
    demo = demo_ids(session)
    return [MunicipalityOut.model_validate(m).model_copy(update={"demo": m.id in demo})
            for m in municipalities.visible_municipalities(session, staff)]


@router.post("/municipalities", response_model=MunicipalityOut, status_code=201,
             summary="Add a municipality (superuser)")
def create_municipality(body: MunicipalityIn, staff: CurrentStaff, session: SessionDep) -> MunicipalityOut:
    """Adds a municipality; its slug is given or made from the English name."""
    write_transaction(session)
    if not staff.superuser:
        raise Refusal("superuser_required")
    municipality = municipalities.add_municipality(session, body.name_ja, body.name_en, body.slug)
    session.commit()
    return MunicipalityOut.model_validate(municipality)


class CollectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(pattern=r"^[A-Z0-9]{1,11}$",
                        description="The deployed collection's symbol: its record data/deployments/<chain>/<SYMBOL>.json")


class CollectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    municipality_id: int
    chain_id: int
    address: str
    symbol: str
    name_ja: str
    name_en: str
    soulbound: bool
    deploy_block: int
    indexed_block: int


@router.get("/municipalities/{municipality_id}/collections", response_model=list[CollectionOut],
            summary="The municipality's collections")
def list_collections(municipality_id: int, staff: Viewer, session: SessionDep) -> list[CollectionOut]:
    """The municipality's collections, by id."""
    return [CollectionOut.model_validate(c) for c in municipalities.collections_of(session, municipality_id)]


@router.post("/municipalities/{municipality_id}/collections", response_model=CollectionOut, status_code=201,
             summary="Register a deployed collection by its deployment record (admin)")
def register_collection(municipality_id: int, body: CollectionIn, staff: Admin, session: SessionDep,
                        settings: SettingsDep) -> CollectionOut:
    """Registers the collection whose deployment record is `<data dir>/deployments/<chain id>/<SYMBOL>.json`;
    the indexer follows it from its deployment block."""
    write_transaction(session)
    collection = municipalities.register_collection(session, settings, municipality_id, body.symbol)
    session.commit()
    return CollectionOut.model_validate(collection)
