"""Municipalities and their collections, as staff manage them: who may see which, adding a municipality,
registering a deployed collection by its deployment record. The caller checks roles and commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth.staff import StaffMember
from backend.chain.deployments import DeploymentRecord
from backend.db.models_chain import Collection, Municipality
from backend.errors import ApiError, DeploymentRecordError
from backend.chain.deployments import register_record, slugify
from backend.settings import Settings


def not_found(what: str, ja: str, ident) -> ApiError:
    return ApiError(404, f"{what}_not_found", f"No {what} {ident}.", f"{ja} {ident} はありません。")


def get_municipality(session: Session, municipality_id: int) -> Municipality:
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise not_found("municipality", "自治体", municipality_id)
    return municipality


def visible_municipalities(session: Session, staff: StaffMember) -> list[Municipality]:
    """The municipalities where `staff` holds a role (a superuser: all), by id."""
    return [m for m in session.scalars(select(Municipality).order_by(Municipality.id))
            if staff.role_in(m.id) is not None]


def add_municipality(session: Session, name_ja: str, name_en: str, slug: str | None) -> Municipality:
    """Adds a municipality (slug: given, or from the English name); 409 if the slug is taken."""
    slug = slug or slugify(name_en)
    if session.scalar(select(Municipality.id).where(Municipality.slug == slug)) is not None:
        raise ApiError(409, "municipality_exists", f"A municipality {slug!r} already exists.",
                       f"自治体 {slug!r} はすでに登録されています。")
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
        raise ApiError(422, "record_unusable", f"The deployment record cannot be used: {exc.reason}",
                       f"デプロイ記録を読み込めません: {exc.reason}") from None
    if record.chain_id != settings.chain_id:
        raise ApiError(422, "record_other_chain", f"The record is for chain {record.chain_id}, "
                       f"this backend follows chain {settings.chain_id}.",
                       f"この記録はチェーン {record.chain_id} 用です（このバックエンドは {settings.chain_id}）。")
    if slugify(record.municipality_name_en) != municipality.slug:
        raise ApiError(422, "record_other_municipality",
                       f"The record belongs to {record.municipality_name_en}, not {municipality.name_en}.",
                       f"この記録は{record.municipality_name_ja}のもので、{municipality.name_ja}のものではありません。")
    return register_record(session, record, path)
