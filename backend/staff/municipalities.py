"""Municipalities and their collections, as staff manage them: who may see which, adding a municipality,
registering a deployed collection by its deployment record. The caller checks roles and commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.staff import StaffMember
from backend.chain.deployments import DeploymentRecord
from backend.db.models_chain import Collection, Municipality
from backend.errors import DeploymentRecordError, Refusal
from backend.messages import Texts
from backend.chain.deployments import register_record, slugify
from backend.settings import Settings


def get_municipality(session: Session, municipality_id: int) -> Municipality:
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    return municipality


def visible_municipalities(session: Session, staff: StaffMember) -> list[Municipality]:
    """The municipalities where `staff` holds a role (a superuser: all), by id."""
    return [m for m in session.scalars(select(Municipality).order_by(Municipality.id))
            if staff.role_in(m.id) is not None]


def add_municipality(session: Session, name_ja: str, name_en: str, slug: str | None) -> Municipality:
    """Adds a municipality (slug: given, or from the English name); 409 if the slug is taken."""
    slug = slug or slugify(name_en)
    if session.scalar(select(Municipality.id).where(Municipality.slug == slug)) is not None:
        raise Refusal("municipality_exists", slug=slug)
    municipality = Municipality(slug=slug, name_ja=name_ja, name_en=name_en)
    session.add(municipality)
    session.flush()
    return municipality


def collections_of(session: Session, municipality_id: int) -> list[Collection]:
    return list(session.scalars(select(Collection).where(Collection.municipality_id == municipality_id)
                                .order_by(Collection.id)))


def register_collection(session: Session, settings: Settings, municipality_id: int, symbol: str) -> Collection:
    """Registers the collection whose deployment record is `<deployments dir>/<SYMBOL>.json`, if the record is
    of this chain and of this municipality; the indexer follows it from its deployment block."""
    municipality = get_municipality(session, municipality_id)
    path = settings.deployments_dir / f"{symbol}.json"
    try:
        record = DeploymentRecord.read(path)
    except DeploymentRecordError as exc:
        raise Refusal("record_unusable", reason=exc.reason) from None
    if record.chain_id != settings.chain_id:
        raise Refusal("record_other_chain", record_chain_id=record.chain_id, chain_id=settings.chain_id)
    if slugify(record.municipality_name_en) != municipality.slug:
        raise Refusal("record_other_municipality",
                      owner=Texts(ja=record.municipality_name_ja, en=record.municipality_name_en),
                      town=Texts(ja=municipality.name_ja, en=municipality.name_en))
    return register_record(session, record, path)
