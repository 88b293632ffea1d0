"""Activity evidence (参加の記録): the second way an activity counts toward premium, besides the QR check-in.

MIC's premium tier counts designated activities confirmed by a QR scan at the activity, or by evidence the
holder uploads and the municipality reviews. A holder sends a photo and a note for one activity and one
of its days; staff of the activity's municipality look at both and either approve, which writes a CheckIn
row for the same activity, card and day (so it counts exactly as a scan does: premium, renewals, KPIs, and a
scan and a photo of the same day count once), or reject with a reason the holder reads.

Photos are personal data (faces, homes): they are re-encoded without metadata (backend/residency/photos.py)
and kept in a content store of their own, the same content-addressed IPFS blocks and CIDs as card images
(backend/content.py `store_for`) but under <data dir>/evidence, which /ipfs/{cid} does not serve and nothing
pins: only the holder who sent a photo and staff of its municipality can fetch it.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path

from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.cards import CardView, cards_of_owner
from backend.civic.inactivity import record_activity
from backend.db.models_chain import Municipality
from backend.db.models_residency import Activity, ActivityDay, ActivityEvidence, CheckIn
from backend.errors import Refusal
from backend.messages import Texts
from backend.perks.rules import JST, japan_date
from backend.residency.photos import CleanPhoto
from backend.residency.programme import DAY, programme_of
from metadata.store import ContentStore

MAX_NOTE = 1000


def evidence_store(data_dir: Path) -> ContentStore:
    """The private content store of evidence photos (not the public one of card images)."""
    return ContentStore(Path(data_dir) / "evidence" / "blocks")


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except (TypeError, ValueError):
        raise Refusal("evidence_day_invalid", day=str(text)[:40]) from None


def _card_for(db: Session, holder: str, activity: Activity, now: float) -> CardView:
    valid = [c for c in cards_of_owner(db, holder) if c.valid_now(now)]
    if not valid:
        raise Refusal("no_valid_card", detail="to_send_evidence")
    mine = [c for c in valid if c.municipality_id == activity.municipality_id]
    if not mine:
        town = db.get(Municipality, activity.municipality_id)
        raise Refusal("activity_other_municipality", detail="activity_of", town=Texts(ja=town.name_ja, en=town.name_en))
    return mine[0]


def _counted_already(db: Session, activity_id: int, card_id: int, day: str) -> CheckIn | None:
    return db.scalar(select(CheckIn).where(CheckIn.activity_id == activity_id, CheckIn.card_id == card_id,
                                           CheckIn.day == day))


def submit(db: Session, store: ContentStore, holder: str, activity_id: int, day: str, note: str, photo: CleanPhoto,
           now: float | None = None) -> ActivityEvidence:
    """Keeps the holder's photo and note for `activity_id` on `day`, waiting for staff; the caller commits.

    Refused: an activity that does not count (not designated, closed), a day it was not held, a day to come or
    one too old to count, no valid card of its municipality, a day that counts already or has evidence
    waiting. The photo was cleaned first (photos.clean_photo: it refuses what is not a photo we keep)."""
    now = time.time() if now is None else now
    activity = db.get(Activity, activity_id)
    if activity is None:
        raise Refusal("activity_not_found", activity_id=activity_id)
    if not activity.designated or not activity.active:
        raise Refusal("activity_not_designated")
    day = _day(day)
    if db.get(ActivityDay, (activity.id, day)) is None:
        raise Refusal("evidence_day_not_held", day=day)
    if day > japan_date(now):
        raise Refusal("evidence_day_future", day=day)
    window = programme_of(db, activity.municipality_id).window_days
    if day < japan_date(now - window * DAY):
        raise Refusal("evidence_day_too_old", day=day, window_days=window)
    card = _card_for(db, holder, activity, now)
    if _counted_already(db, activity.id, card.id, day) is not None:
        raise Refusal("evidence_already_counted")
    cid = store.put(photo.jpeg)  # only once everything else passed: a refused photo is never kept
    row = ActivityEvidence(municipality_id=activity.municipality_id, activity_id=activity.id, card_id=card.id,
                           holder=to_checksum_address(holder), day=day, note=note.replace("\x00", "")[:MAX_NOTE],
                           photo_cid=cid,
                           photo_bytes=len(photo.jpeg), photo_width=photo.width, photo_height=photo.height,
                           status="pending", submitted_at=int(now), reason="")
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:  # uq_activity_evidence_open: one waiting or approved per activity, card and day
        raise Refusal("evidence_already_sent") from None
    record_activity(db, holder, int(now), "evidence")  # sending evidence answers an inactivity notice too
    return row


def counted_at(evidence: ActivityEvidence) -> int:
    """When the approved evidence counts from: when it was sent, but not after the end of its day (Japan time),
    so a photo sent days later counts from the day it shows, as a scan that day would have."""
    end_of_day = datetime.combine(date.fromisoformat(evidence.day), datetime.min.time(), JST) + timedelta(days=1)
    return min(evidence.submitted_at, int(end_of_day.timestamp()) - 1)


def of_municipality(db: Session, municipality_id: int, evidence_id: int, *, lock: bool = False) -> ActivityEvidence:
    """The evidence, if it belongs to this municipality; 404 otherwise (another town's looks absent). `lock`: a
    row lock on PostgreSQL, so two reviews at once cannot both find it waiting (SQLite holds the write lock)."""
    evidence = db.get(ActivityEvidence, evidence_id, with_for_update=lock)
    if evidence is None or evidence.municipality_id != municipality_id:
        raise Refusal("evidence_not_found", evidence_id=evidence_id)
    return evidence


def of_holder(db: Session, holder: str, evidence_id: int) -> ActivityEvidence:
    """The holder's own evidence; 404 for anyone else's."""
    evidence = db.get(ActivityEvidence, evidence_id)
    if evidence is None or evidence.holder != to_checksum_address(holder):
        raise Refusal("evidence_not_found", evidence_id=evidence_id)
    return evidence


def decide(db: Session, municipality_id: int, evidence_id: int, staff_id: int, approve: bool, reason: str = "",
           now: float | None = None) -> ActivityEvidence:
    """Staff's review: approval writes the check-in it stands for (or links the one a scan of that day already
    wrote: it counts once), rejection keeps the reason for the holder. The caller commits."""
    now = time.time() if now is None else now
    evidence = of_municipality(db, municipality_id, evidence_id, lock=True)
    if evidence.status != "pending":
        raise Refusal("evidence_not_pending", detail="grant_status", status=evidence.status)
    evidence.decided_at, evidence.decided_by = int(now), staff_id
    if not approve:
        evidence.status, evidence.reason = "rejected", reason.replace("\x00", "")[:500]  # PostgreSQL text has no NUL
        db.flush()
        return evidence
    checkin = _counted_already(db, evidence.activity_id, evidence.card_id, evidence.day)
    if checkin is None:
        checkin = CheckIn(activity_id=evidence.activity_id, card_id=evidence.card_id,
                          municipality_id=evidence.municipality_id, holder=evidence.holder, day=evidence.day,
                          checked_in_at=counted_at(evidence))
        try:
            with db.begin_nested():
                db.add(checkin)
                db.flush()
        except IntegrityError:  # the holder scanned the activity's QR code that day meanwhile
            checkin = _counted_already(db, evidence.activity_id, evidence.card_id, evidence.day)
    evidence.status, evidence.checkin_id, evidence.reason = "approved", checkin.id, ""
    db.flush()
    return evidence


def list_of_municipality(db: Session, municipality_id: int, status: str | None = None,
                         limit: int = 200) -> list[tuple[ActivityEvidence, Activity]]:
    """The municipality's evidence with its activity: waiting ones oldest first, else newest first."""
    query = (select(ActivityEvidence, Activity).join(Activity, Activity.id == ActivityEvidence.activity_id)
             .where(ActivityEvidence.municipality_id == municipality_id))
    if status is not None:
        query = query.where(ActivityEvidence.status == status)
    order = ActivityEvidence.id.asc() if status == "pending" else ActivityEvidence.id.desc()
    return list(db.execute(query.order_by(order).limit(limit)))


def list_of_holder(db: Session, holder: str, limit: int = 200) -> list[tuple[ActivityEvidence, Activity]]:
    """The holder's own evidence, newest first."""
    return list(db.execute(select(ActivityEvidence, Activity).join(Activity, Activity.id == ActivityEvidence.activity_id)
                           .where(ActivityEvidence.holder == to_checksum_address(holder))
                           .order_by(ActivityEvidence.id.desc()).limit(limit)))
