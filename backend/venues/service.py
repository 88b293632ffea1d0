"""Venues and their desks' logins as staff manage them, and a venue's redemptions of a day. The caller
checks roles and commits; a name taken in the municipality is a 409 (the unique constraint decides, at flush)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.secrets import hash_secret
from backend.auth.sessions import end_sessions_of
from backend.db.models_chain import Card
from backend.db.models_perks import Perk, Redemption, Venue, VenueAccount
from backend.errors import Refusal
from backend.messages import Texts
from backend.staff.municipalities import get_municipality


def get_venue(session: Session, venue_id: int) -> Venue:
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise Refusal("venue_not_found", venue_id=venue_id)
    return venue


def venues_of(session: Session, municipality_id: int) -> list[Venue]:
    return list(session.scalars(select(Venue).where(Venue.municipality_id == municipality_id).order_by(Venue.id)))


def add_venue(session: Session, municipality_id: int, name_ja: str, name_en: str) -> Venue:
    get_municipality(session, municipality_id)
    venue = Venue(municipality_id=municipality_id, name_ja=name_ja, name_en=name_en)
    session.add(venue)
    try:
        session.flush()
    except IntegrityError:
        raise Refusal("venue_exists", detail="venue_named", name=Texts(ja=name_ja, en=name_en)) from None
    return venue


def change_venue(session: Session, venue: Venue, changes: dict) -> Venue:
    """Renames or (de)activates `venue` with the given fields."""
    for key, value in changes.items():
        setattr(venue, key, value)
    try:
        session.flush()
    except IntegrityError:
        raise Refusal("venue_exists") from None
    return venue


def get_account(session: Session, account_id: int) -> VenueAccount:
    account = session.get(VenueAccount, account_id)
    if account is None:
        raise Refusal("venue_account_not_found", account_id=account_id)
    return account


def accounts_of(session: Session, venue_id: int) -> list[VenueAccount]:
    return list(session.scalars(select(VenueAccount).where(VenueAccount.venue_id == venue_id)
                                .order_by(VenueAccount.id)))


def change_account(session: Session, account: VenueAccount, active: bool | None, password: str | None) -> VenueAccount:
    """Disables (or enables) a login or sets its password; either way its sessions end."""
    if active is not None:
        account.active = active
    if password is not None:
        account.password_hash = hash_secret(password)
    end_sessions_of(session, "venue", account.id)
    session.flush()
    return account


def redemptions_of_day(session: Session, venue_id: int, day: str) -> list:
    """The venue's redemptions on the Japan date `day`, newest first: rows of (redeemed_at, perk_id,
    perk_name_ja, perk_name_en, resident_number, token_id, tier)."""
    return list(session.execute(
        select(Redemption.redeemed_at, Perk.id.label("perk_id"), Perk.name_ja.label("perk_name_ja"),
               Perk.name_en.label("perk_name_en"), Card.resident_number, Card.token_id, Card.tier)
        .join(Perk, Perk.id == Redemption.perk_id).join(Card, Card.id == Redemption.card_id)
        .where(Redemption.venue_id == venue_id, Redemption.day == day)
        .order_by(Redemption.redeemed_at.desc(), Redemption.id.desc())).all())
