"""Designated supporter activities (担い手活動) and the partner organisations that run some of them.

Staff create activities for their municipality (designated at once). A partner organisation (a 自治会, NPO,
DMO...) that staff registered uses its API key to create activities too: designated at once if staff chose
MIC pattern ② for it (`auto_designate`), otherwise waiting for staff to designate each (pattern ①).
Check-ins count only at designated, active activities, on the activity's days (Japan dates).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.auth.secrets import random_token, token_digest
from backend.db.models_chain import Municipality
from backend.db.models_residency import Activity, ActivityDay, PartnerOrganisation
from backend.errors import Refusal

MAX_DAYS = 31
KEY_PREFIX = "rpk_"


@dataclass(frozen=True)
class ActivitySpec:
    title_ja: str
    title_en: str
    days: list[str]  # YYYY-MM-DD, Japan dates
    place: str = ""
    organiser: str = ""


def check_days(days: list[str]) -> list[str]:
    """Sorted unique ISO dates; 422 naming the bad one."""
    if not days:
        raise Refusal("activity_days_missing")
    parsed = set()
    for text in days:
        try:
            parsed.add(date.fromisoformat(text).isoformat())
        except (TypeError, ValueError):
            raise Refusal("activity_day_invalid", day=text) from None
    if len(parsed) > MAX_DAYS:
        raise Refusal("activity_days_too_many", max_days=MAX_DAYS)
    return sorted(parsed)


def create_activity(db: Session, municipality_id: int, spec: ActivitySpec, *, staff_id: int | None = None,
                    partner: PartnerOrganisation | None = None) -> Activity:
    """Adds an activity; designated unless a pattern-① partner proposed it. The caller commits."""
    if db.get(Municipality, municipality_id) is None:
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    days = check_days(spec.days)
    activity = Activity(municipality_id=municipality_id, title_ja=spec.title_ja, title_en=spec.title_en,
                        place=spec.place, organiser=spec.organiser or (partner.name_ja if partner else ""),
                        partner_id=partner.id if partner else None, created_by_staff=staff_id,
                        designated=partner is None or partner.auto_designate, active=True,
                        created_at=int(time.time()))
    db.add(activity)
    db.flush()
    db.add_all(ActivityDay(activity_id=activity.id, day=d) for d in days)
    db.flush()
    return activity


def set_days(db: Session, activity: Activity, days: list[str]) -> None:
    days = check_days(days)
    db.execute(delete(ActivityDay).where(ActivityDay.activity_id == activity.id))
    db.add_all(ActivityDay(activity_id=activity.id, day=d) for d in days)
    db.flush()


def days_of(db: Session, activity_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in activity_ids}
    if activity_ids:
        for row in db.execute(select(ActivityDay.activity_id, ActivityDay.day)
                              .where(ActivityDay.activity_id.in_(activity_ids)).order_by(ActivityDay.day)):
            found[row.activity_id].append(row.day)
    return found


def get_activity(db: Session, activity_id: int) -> Activity:
    activity = db.get(Activity, activity_id)
    if activity is None:
        raise Refusal("activity_not_found", activity_id=activity_id)
    return activity


def list_activities(db: Session, municipality_id: int | None = None, *, designated_only: bool = False,
                    partner_id: int | None = None) -> list[Activity]:
    query = select(Activity).order_by(Activity.id)
    if municipality_id is not None:
        query = query.where(Activity.municipality_id == municipality_id)
    if designated_only:
        query = query.where(Activity.designated.is_(True), Activity.active.is_(True))
    if partner_id is not None:
        query = query.where(Activity.partner_id == partner_id)
    return list(db.scalars(query))


# --- partner organisations -------------------------------------------------------------------------------
def create_partner(db: Session, municipality_id: int, name_ja: str, name_en: str,
                   auto_designate: bool = False) -> tuple[PartnerOrganisation, str]:
    """Registers a partner organisation; returns it and its API key (shown once, stored as a digest)."""
    if db.get(Municipality, municipality_id) is None:
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    key = KEY_PREFIX + random_token()
    partner = PartnerOrganisation(municipality_id=municipality_id, name_ja=name_ja, name_en=name_en,
                                  key_digest=token_digest(key), auto_designate=auto_designate, active=True,
                                  created_at=int(time.time()))
    db.add(partner)
    db.flush()
    return partner, key


def partner_by_key(db: Session, key: str | None) -> PartnerOrganisation:
    """The active partner whose API key this is; 401 otherwise."""
    if not key or len(key) > 200 or not key.startswith(KEY_PREFIX):
        raise Refusal("partner_key_required")
    partner = db.scalar(select(PartnerOrganisation).where(PartnerOrganisation.key_digest == token_digest(key)))
    if partner is None or not partner.active:
        raise Refusal("partner_key_invalid")
    return partner
