"""A city's link to its prefecture, by consent: the city's admin asks, the prefecture's admin approves.

Only an approved link makes registering with the city issue the prefecture's card (registration.py) and
spares the prefecture from the premium cap beside its cities (premium.py). Either side's admin may end an
approved link; the city's admin may withdraw a request still waiting. Every decision is a conditional
UPDATE on the status the caller saw, so two admins answering at once cannot both win; the partial unique
index keeps one open link per city.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.auth.staff import StaffMember, check_role
from backend.db.models_chain import Municipality
from backend.db.models_residency import PrefectureLink, ResidencyProgramme
from backend.errors import Refusal
from backend.messages import Texts

OPEN = ("pending", "approved")


@dataclass(frozen=True)
class LinkView:
    """A link as either side sees it."""

    id: int
    city_id: int
    city_ja: str
    city_en: str
    prefecture_id: int
    prefecture_ja: str
    prefecture_en: str
    status: str
    requested_by: int | None
    requested_at: int
    decided_by: int | None
    decided_at: int | None
    ended_by: int | None
    ended_at: int | None


def _kind(db: Session, municipality_id: int) -> str:
    return db.scalar(select(ResidencyProgramme.kind).where(
        ResidencyProgramme.municipality_id == municipality_id)) or "city"


def linked_prefecture(db: Session, city_id: int) -> int | None:
    """The prefecture whose card registering with this city issues: an approved link's, else none."""
    return db.scalar(select(PrefectureLink.prefecture_id).where(PrefectureLink.city_id == city_id,
                                                                PrefectureLink.status == "approved"))


def approved_prefectures(db: Session) -> dict[int, int]:
    """city id -> prefecture id, for every approved link."""
    return dict(db.execute(select(PrefectureLink.city_id, PrefectureLink.prefecture_id)
                           .where(PrefectureLink.status == "approved")).all())


def cities_of(db: Session, prefecture_id: int) -> list[int]:
    """The cities linked to this prefecture with its consent."""
    return list(db.scalars(select(PrefectureLink.city_id).where(PrefectureLink.prefecture_id == prefecture_id,
                                                                PrefectureLink.status == "approved")))


def has_open_link(db: Session, municipality_id: int, as_prefecture: bool = False) -> bool:
    side = PrefectureLink.prefecture_id if as_prefecture else PrefectureLink.city_id
    return db.scalar(select(PrefectureLink.id).where(side == municipality_id, PrefectureLink.status.in_(OPEN))
                     .limit(1)) is not None


def links_of(db: Session, municipality_id: int, limit: int = 200) -> list[LinkView]:
    """Links where the municipality is the city or the prefecture, open ones first, then newest first."""
    rows = db.scalars(select(PrefectureLink).where(or_(PrefectureLink.city_id == municipality_id,
                                                       PrefectureLink.prefecture_id == municipality_id))
                      .order_by(PrefectureLink.status.not_in(OPEN), PrefectureLink.id.desc()).limit(limit))
    return [view(db, link) for link in rows]


def view(db: Session, link: PrefectureLink) -> LinkView:
    city, prefecture = db.get(Municipality, link.city_id), db.get(Municipality, link.prefecture_id)
    return LinkView(id=link.id, city_id=link.city_id, city_ja=city.name_ja, city_en=city.name_en,
                    prefecture_id=link.prefecture_id, prefecture_ja=prefecture.name_ja,
                    prefecture_en=prefecture.name_en, status=link.status, requested_by=link.requested_by,
                    requested_at=link.requested_at, decided_by=link.decided_by, decided_at=link.decided_at,
                    ended_by=link.ended_by, ended_at=link.ended_at)


def request_link(db: Session, city_id: int, prefecture_id: int, staff_id: int,
                 now: float | None = None) -> PrefectureLink:
    """The city asks to be linked to the prefecture (pending until the prefecture answers). The caller commits."""
    if db.get(Municipality, city_id) is None:
        raise Refusal("municipality_not_found", municipality_id=city_id)
    if prefecture_id == city_id:
        raise Refusal("prefecture_self")
    if _kind(db, city_id) == "prefecture":
        raise Refusal("prefecture_has_prefecture")
    if db.get(Municipality, prefecture_id) is None or _kind(db, prefecture_id) != "prefecture":
        raise Refusal("prefecture_invalid", prefecture_id=prefecture_id)
    current = db.scalar(select(PrefectureLink).where(PrefectureLink.city_id == city_id,
                                                     PrefectureLink.status.in_(OPEN)))
    if current is not None:
        raise _open_refusal(db, current)
    link = PrefectureLink(city_id=city_id, prefecture_id=prefecture_id, status="pending", requested_by=staff_id,
                          requested_at=int(time.time() if now is None else now))
    try:
        with db.begin_nested():
            db.add(link)
            db.flush()
    except IntegrityError:  # another request of this city got in at the same moment
        raise _open_refusal(db, db.scalar(select(PrefectureLink).where(
            PrefectureLink.city_id == city_id, PrefectureLink.status.in_(OPEN)))) from None
    return link


def _open_refusal(db: Session, link: PrefectureLink | None) -> Refusal:
    if link is None:  # the other request was withdrawn again meanwhile
        return Refusal("prefecture_link_busy")
    prefecture = db.get(Municipality, link.prefecture_id)
    return Refusal("prefecture_link_open", link_status=link.status,
                   prefecture=Texts(ja=prefecture.name_ja, en=prefecture.name_en))


def get_link(db: Session, link_id: int) -> PrefectureLink:
    link = db.get(PrefectureLink, link_id)
    if link is None:
        raise Refusal("prefecture_link_not_found", link_id=link_id)
    return link


# decision -> (the status it needs, the status it leaves, whose admin may take it)
DECISIONS = {
    "approve": (("pending",), "approved", ("prefecture",)),
    "decline": (("pending",), "declined", ("prefecture",)),
    "cancel": (("pending",), "cancelled", ("city",)),
    "end": (("approved",), "ended", ("prefecture", "city")),
}


def decide(db: Session, link_id: int, decision: str, staff: StaffMember, now: float | None = None) -> PrefectureLink:
    """Approves, declines, withdraws or ends a link, as the side `decision` belongs to. The caller commits."""
    needs, leaves, sides = DECISIONS[decision]
    link = get_link(db, link_id)
    side_of = {"city": link.city_id, "prefecture": link.prefecture_id}
    allowed = [side_of[s] for s in sides if staff.has_role(side_of[s], "admin")]
    if not allowed:
        check_role(staff, side_of[sides[0]], "admin")  # raises, naming the municipality whose admin decides
    if link.status not in needs:
        raise Refusal("prefecture_link_status", link_status=link.status)
    if decision == "approve" and _kind(db, link.prefecture_id) != "prefecture":
        raise Refusal("prefecture_invalid", prefecture_id=link.prefecture_id)
    at = int(time.time() if now is None else now)
    who = {"ended_by": staff.id, "ended_at": at} if decision == "end" else {"decided_by": staff.id, "decided_at": at}
    changed = db.execute(update(PrefectureLink).where(PrefectureLink.id == link.id, PrefectureLink.status == link.status)
                         .values(status=leaves, **who).execution_options(synchronize_session=False)).rowcount
    if changed != 1:  # someone else decided in between
        db.expire(link)
        raise Refusal("prefecture_link_status", link_status=db.get(PrefectureLink, link.id).status)
    db.expire(link)
    return db.get(PrefectureLink, link.id)


def link_by_seed(db: Session, city_id: int, prefecture_id: int, now: float | None = None) -> None:
    """The demo seed's link, approved at once (one operator stands for both sides there); only when the two
    were never linked, so a link ended or declined in the console stays so across restarts."""
    if not has_open_link(db, city_id) and db.scalar(select(PrefectureLink.id).where(
            PrefectureLink.city_id == city_id, PrefectureLink.prefecture_id == prefecture_id).limit(1)) is None:
        at = int(time.time() if now is None else now)
        db.add(PrefectureLink(city_id=city_id, prefecture_id=prefecture_id, status="approved", requested_at=at,
                              decided_at=at))
        db.flush()
