"""Each municipality's residency rules (a row in residency_programmes, or the defaults) and its collection."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models_chain import Collection, Municipality
from backend.db.models_residency import ResidencyProgramme
from backend.errors import Refusal
from backend.residency.prefecture_links import has_open_link

DEFAULTS = dict(kind="city", collection_id=None, premium_mode="automatic", required_checkins=3,
                window_days=365, basic_tier=0, premium_tier=1, validity_days=365, renew_before_days=30)
DAY = 86_400


def programme_of(db: Session, municipality_id: int) -> ResidencyProgramme:
    """The municipality's programme; an unsaved one with the defaults when it has none."""
    found = db.get(ResidencyProgramme, municipality_id)
    if found is not None:
        return found
    return ResidencyProgramme(municipality_id=municipality_id, **DEFAULTS)


def save_programme(db: Session, municipality_id: int, values: dict) -> ResidencyProgramme:
    """Creates or updates the programme with `values` (validated here: the kind against prefecture links, the
    collection). Links themselves are asked and approved in prefecture_links.py, never set here."""
    if db.get(Municipality, municipality_id) is None:
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    programme = db.get(ResidencyProgramme, municipality_id)
    if programme is None:
        programme = ResidencyProgramme(municipality_id=municipality_id, **DEFAULTS)
        db.add(programme)
    was = programme.kind
    for name, value in values.items():
        setattr(programme, name, value)
    if programme.kind != was:
        if programme.kind == "prefecture" and has_open_link(db, municipality_id):
            raise Refusal("prefecture_has_prefecture")
        if programme.kind == "city" and has_open_link(db, municipality_id, as_prefecture=True):
            raise Refusal("prefecture_has_cities")
    if programme.collection_id is not None:
        collection = db.get(Collection, programme.collection_id)
        if collection is None or collection.municipality_id != municipality_id:
            raise Refusal("collection_other_municipality")
    if programme.premium_tier <= programme.basic_tier:
        raise Refusal("tiers_invalid")
    programme.updated_at = int(time.time())
    db.flush()
    return programme


def collection_of(db: Session, municipality_id: int) -> Collection | None:
    """The collection the backend issues this municipality's cards into: the configured one, else its first."""
    programme = programme_of(db, municipality_id)
    if programme.collection_id is not None:
        return db.get(Collection, programme.collection_id)
    return db.scalar(select(Collection).where(Collection.municipality_id == municipality_id)
                     .order_by(Collection.id).limit(1))
