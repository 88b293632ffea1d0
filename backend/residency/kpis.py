"""Residency KPIs for staff: check-ins per activity and day, premium holders, renewals, registrations."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models_residency import Activity, CheckIn, PremiumGrant, Registration


def checkins_per_activity_day(db: Session, municipality_id: int, since_day: str | None = None,
                              until_day: str | None = None) -> list[dict]:
    """[{activity_id, title_ja, title_en, day, checkins}] ordered by day then activity."""
    query = (select(CheckIn.activity_id, Activity.title_ja, Activity.title_en, CheckIn.day,
                    func.count(CheckIn.id).label("checkins"))
             .join(Activity, Activity.id == CheckIn.activity_id)
             .where(CheckIn.municipality_id == municipality_id)
             .group_by(CheckIn.activity_id, Activity.title_ja, Activity.title_en, CheckIn.day)
             .order_by(CheckIn.day, CheckIn.activity_id))
    if since_day:
        query = query.where(CheckIn.day >= since_day)
    if until_day:
        query = query.where(CheckIn.day <= until_day)
    return [dict(activity_id=r.activity_id, title_ja=r.title_ja, title_en=r.title_en, day=r.day,
                 checkins=r.checkins) for r in db.execute(query)]


def premium_count(db: Session, municipality_id: int, now: float | None = None) -> int:
    """Cards premium now through the programme (active grants not yet ended)."""
    now = int(time.time() if now is None else now)
    return db.scalar(select(func.count(func.distinct(PremiumGrant.card_id))).where(
        PremiumGrant.municipality_id == municipality_id, PremiumGrant.status == "active",
        PremiumGrant.valid_until > now)) or 0


def premium_people(db: Session, municipality_id: int, now: float | None = None) -> int:
    """Distinct verified people (nullifiers) premium now."""
    now = int(time.time() if now is None else now)
    return db.scalar(select(func.count(func.distinct(PremiumGrant.nullifier))).where(
        PremiumGrant.municipality_id == municipality_id, PremiumGrant.status == "active",
        PremiumGrant.valid_until > now)) or 0


def renewals(db: Session, municipality_id: int, since: int = 0) -> dict:
    """Renewal outcomes since `since`: renewals granted, waiting, premiums lapsed."""
    def count(*conditions) -> int:
        return db.scalar(select(func.count(PremiumGrant.id)).where(
            PremiumGrant.municipality_id == municipality_id, *conditions)) or 0

    return {
        "renewed": count(PremiumGrant.kind == "renewal", PremiumGrant.status.in_(("active", "renewed", "lapsed")),
                         PremiumGrant.requested_at >= since),
        "renewals_pending": count(PremiumGrant.kind == "renewal", PremiumGrant.status == "pending"),
        "lapsed": count(PremiumGrant.status == "lapsed", PremiumGrant.requested_at >= since),
        "new_premium": count(PremiumGrant.kind == "new", PremiumGrant.status.in_(("active", "renewed", "lapsed")),
                             PremiumGrant.requested_at >= since),
        "queue": count(PremiumGrant.status == "pending"),
    }


def registration_counts(db: Session, municipality_id: int) -> dict:
    rows = dict(db.execute(select(Registration.via, func.count(Registration.id))
                           .where(Registration.municipality_id == municipality_id).group_by(Registration.via)).all())
    return {"direct": rows.get("direct", 0), "via_city": rows.get("prefecture_of_city", 0)}


def checkin_count(db: Session, municipality_id: int, since: int = 0, until: float | None = None) -> int:
    """Check-ins at the municipality's activities from `since` (to `until`, when given)."""
    conditions = [CheckIn.municipality_id == municipality_id, CheckIn.checked_in_at >= since]
    if until is not None:
        conditions.append(CheckIn.checked_in_at <= until)
    return db.scalar(select(func.count(CheckIn.id)).where(*conditions)) or 0


def residency_kpis(db: Session, municipality_id: int, now: float | None = None, since: int = 0) -> dict:
    now = time.time() if now is None else now
    return {
        "checkins_total": checkin_count(db, municipality_id, since),
        "checkins_per_activity_day": checkins_per_activity_day(db, municipality_id),
        "premium_cards": premium_count(db, municipality_id, now),
        "premium_people": premium_people(db, municipality_id, now),
        "renewals": renewals(db, municipality_id, since),
        "registrations": registration_counts(db, municipality_id),
    }
