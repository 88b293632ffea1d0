"""Perks as staff manage them: a municipality's perks with their venues, defining and changing one. Terms
are checked by backend/perks/store.py; the caller checks roles and commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models_chain import Collection
from backend.db.models_perks import Perk, Venue
from backend.perks.store import create_perk, update_perk, venue_ids_of
from backend.errors import Refusal


def with_venues(session: Session, perks: list[Perk]) -> list[tuple[Perk, list[Venue]]]:
    """Each perk with the venues that may redeem it (by venue id)."""
    ids = venue_ids_of(session, [p.id for p in perks])
    all_ids = {v for vs in ids.values() for v in vs}
    venues = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_(all_ids)))} if all_ids else {}
    return [(p, [venues[v] for v in ids[p.id]]) for p in perks]


def perks_of(session: Session, municipality_id: int) -> list[Perk]:
    return list(session.scalars(select(Perk).join(Collection, Collection.id == Perk.collection_id)
                                .where(Collection.municipality_id == municipality_id).order_by(Perk.id)))


def define_perk(session: Session, municipality_id: int, collection_id: int, values: dict,
                venue_ids: list[int]) -> Perk:
    """A new perk of the municipality's collection `collection_id` (404 for another's)."""
    collection = session.get(Collection, collection_id)
    if collection is None or collection.municipality_id != municipality_id:
        raise Refusal("collection_not_found", collection_id=collection_id)
    return create_perk(session, collection, values, venue_ids)


def get_perk(session: Session, perk_id: int) -> tuple[Perk, int]:
    """The perk and its municipality's id."""
    perk = session.get(Perk, perk_id)
    if perk is None:
        raise Refusal("perk_not_found", perk_id=perk_id)
    return perk, session.scalar(select(Collection.municipality_id).where(Collection.id == perk.collection_id))


def change_perk(session: Session, perk: Perk, changes: dict, venue_ids: list[int] | None) -> Perk:
    return update_perk(session, perk, changes, venue_ids)
