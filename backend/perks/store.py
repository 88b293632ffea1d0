"""Perks in the database: create and change them (staff), and what each card may use now (holders).

Staff input passes `rules.check_terms` before anything is written, so a
perk that breaks the national rule (goods shipped to the holder) never exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.cards import CardView
from backend.db.models_chain import Collection
from backend.db.models_perks import Perk, PerkVenue, Redemption, Venue
from backend.errors import Refusal
from backend.perks.rules import VENUE_KINDS, CardState, PerkTerms, PerkTermsError, Verdict, check_terms, evaluate, \
    period_key

EDITABLE = ("name_ja", "name_en", "description_ja", "description_en", "kind", "min_tier", "soulbound_only",
            "min_holding_days", "limit_count", "limit_period", "active")


def terms_of(perk: Perk) -> PerkTerms:
    return PerkTerms(perk.kind, perk.min_tier, perk.soulbound_only, perk.min_holding_days, perk.limit_count,
                     perk.limit_period, perk.active)


def card_state(card: CardView) -> CardState:
    return CardState(card.status, card.tier, card.expires_at, card.locked, card.holding_since)


def _check(values: dict) -> None:
    try:
        check_terms(PerkTerms(values["kind"], values["min_tier"], values["soulbound_only"],
                              values["min_holding_days"], values["limit_count"], values["limit_period"],
                              values["active"]))
    except PerkTermsError as exc:
        raise Refusal("perk_invalid", reason=str(exc), problems=exc.problems) from None


def _set_venues(session: Session, perk: Perk, municipality_id: int, venue_ids: list[int]) -> None:
    venue_ids = sorted(set(venue_ids))
    if venue_ids and perk.kind not in VENUE_KINDS:
        raise Refusal("perk_venue_kind", kind=perk.kind)
    found = set(session.scalars(select(Venue.id).where(Venue.id.in_(venue_ids),
                                                        Venue.municipality_id == municipality_id)))
    missing = [v for v in venue_ids if v not in found]
    if missing:
        raise Refusal("venue_unknown", venue_ids=missing)
    session.execute(delete(PerkVenue).where(PerkVenue.perk_id == perk.id))
    session.add_all(PerkVenue(perk_id=perk.id, venue_id=v) for v in venue_ids)


def create_perk(session: Session, collection: Collection, values: dict, venue_ids: list[int]) -> Perk:
    """Adds a perk to `collection` after checking its terms and venues; flushes, does not commit."""
    values = {"description_ja": "", "description_en": "", "min_tier": 0, "soulbound_only": False,
              "min_holding_days": 0, "limit_count": 1, "limit_period": "day", "active": True, **values}
    if values["limit_period"] == "unlimited":
        values["limit_count"] = None
    _check(values)
    perk = Perk(collection_id=collection.id, **{k: values[k] for k in EDITABLE})
    session.add(perk)
    session.flush()
    _set_venues(session, perk, collection.municipality_id, venue_ids)
    session.flush()
    return perk


def update_perk(session: Session, perk: Perk, changes: dict, venue_ids: list[int] | None) -> Perk:
    nulls = sorted(k for k, v in changes.items() if v is None and k in EDITABLE and k != "limit_count")
    if nulls:
        raise Refusal("null_value", fields=", ".join(nulls))
    values = {k: getattr(perk, k) for k in EDITABLE}
    values.update({k: v for k, v in changes.items() if k in EDITABLE})
    if values["limit_period"] == "unlimited":
        values["limit_count"] = None
    _check(values)
    for k in EDITABLE:
        setattr(perk, k, values[k])
    if venue_ids is not None:
        municipality_id = session.scalar(select(Collection.municipality_id).where(
            Collection.id == perk.collection_id))
        _set_venues(session, perk, municipality_id, venue_ids)
    elif perk.kind not in VENUE_KINDS and venue_ids_of(session, [perk.id])[perk.id]:
        raise Refusal("perk_venue_kind", detail="remove_venues_too", kind=perk.kind)
    session.flush()
    return perk


def venue_ids_of(session: Session, perk_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {p: [] for p in perk_ids}
    for perk_id, venue_id in session.execute(select(PerkVenue.perk_id, PerkVenue.venue_id)
                                             .where(PerkVenue.perk_id.in_(perk_ids))
                                             .order_by(PerkVenue.venue_id)):
        out[perk_id].append(venue_id)
    return out


def uses_in_period(session: Session, card_id: int, perk: Perk, now: float) -> int:
    key = period_key(perk.limit_period, now)
    if key is None:
        return 0
    return session.scalar(select(func.count()).select_from(Redemption).where(
        Redemption.card_id == card_id, Redemption.perk_id == perk.id, Redemption.period_key == key)) or 0


@dataclass(frozen=True)
class PerkForCard:
    perk: Perk
    card: CardView
    verdict: Verdict
    venue_ids: list[int]


def perks_for_cards(session: Session, cards: list[CardView], now: float) -> list[PerkForCard]:
    """Every perk of each card's collection with whether that card may use it now, and why not."""
    if not cards:
        return []
    collection_ids = {c.collection_id for c in cards}
    perks = list(session.scalars(select(Perk).where(Perk.collection_id.in_(collection_ids), Perk.active)
                                 .order_by(Perk.id)))
    venues = venue_ids_of(session, [p.id for p in perks])
    out = []
    for card in cards:
        for perk in perks:
            if perk.collection_id != card.collection_id:
                continue
            verdict = evaluate(terms_of(perk), card_state(card), now, uses_in_period(session, card.id, perk, now))
            out.append(PerkForCard(perk, card, verdict, venues[perk.id]))
    return out
