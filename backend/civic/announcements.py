"""Announcements: news from staff to a collection's holders (optionally a tier range), and personal
notices (inactivity) to one address; what a holder sees, read or unread; optional email.

Who sees news is decided when they look: a holder sees the news of every collection in which they hold
a valid card of a matching tier now. Email goes, when the news is posted, to the holders who match then
and have a verified address.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.cards import cards_of_owner
from backend.civic import mail
from backend.db.models_chain import ACTIVE, Card, Collection
from backend.db.models_civic import Announcement, AnnouncementRead
from backend.errors import Refusal
from backend.messages import bilingual


def recipients(session: Session, collection_id: int, min_tier: int, max_tier: int | None, now: float) -> list[str]:
    """Distinct holders of valid cards of the collection with a tier in [min_tier, max_tier]."""
    query = select(Card.owner).where(Card.collection_id == collection_id, Card.status == ACTIVE,
                                     Card.tier >= min_tier, (Card.expires_at == 0) | (Card.expires_at > now))
    if max_tier is not None:
        query = query.where(Card.tier <= max_tier)
    return sorted(set(session.scalars(query.distinct())))


def news_mail(a: Announcement, settings) -> tuple[str, str]:
    subject = f"{a.title_ja} / {a.title_en}"
    link = f"{settings.public_url.rstrip('/')}/app#announcements"
    body = f"{a.title_ja}\n\n{a.body_ja}\n\n----\n{a.title_en}\n\n{a.body_en}\n\n{bilingual('open_in_app')}: {link}\n"
    return subject, body


def post(session: Session, settings, *, municipality_id: int, collection_id: int, title_ja: str, title_en: str,
         body_ja: str, body_en: str, min_tier: int, max_tier: int | None, email: bool, created_by: int | None,
         now: int) -> Announcement:
    """Stores the news and, if asked and email is enabled, queues one mail per matching holder with a verified
    address (caller commits)."""
    collection = session.get(Collection, collection_id)
    if collection is None or collection.municipality_id != municipality_id:
        raise Refusal("collection_not_found", collection_id=collection_id)
    if max_tier is not None and max_tier < min_tier:
        raise Refusal("tier_range_invalid")
    if email and not mail.enabled(settings):
        raise Refusal("email_disabled", detail="email_post_without")
    a = Announcement(municipality_id=municipality_id, collection_id=collection_id, kind="news", title_ja=title_ja,
                     title_en=title_en, body_ja=body_ja, body_en=body_en, min_tier=min_tier, max_tier=max_tier,
                     email=email, created_by=created_by, published_at=now)
    session.add(a)
    session.flush()
    if email:
        subject, body = news_mail(a, settings)
        a.emails_queued = sum(mail.mail_holder(session, settings, holder, subject, body, "announcement", now)
                              for holder in recipients(session, collection_id, min_tier, max_tier, now))
    return a


def notice(session: Session, *, municipality_id: int, collection_id: int, recipient: str, title_ja: str,
           title_en: str, body_ja: str, body_en: str, now: int) -> Announcement:
    a = Announcement(municipality_id=municipality_id, collection_id=collection_id, kind="inactivity_notice",
                     title_ja=title_ja, title_en=title_en, body_ja=body_ja, body_en=body_en, min_tier=0,
                     recipient=recipient, email=False, published_at=now)
    session.add(a)
    session.flush()
    return a


def for_holder(session: Session, address: str, now: float) -> list[tuple[Announcement, bool]]:
    """(announcement, read) for `address`, newest first: news for its valid cards' tiers, and its notices."""
    tiers: dict[int, list[int]] = {}
    for card in cards_of_owner(session, address):
        if card.valid_now(now):
            tiers.setdefault(card.collection_id, []).append(card.tier)
    matches = [Announcement.recipient == address]
    for collection_id, held in tiers.items():
        best, worst = max(held), min(held)
        # Some held card's tier is within [min_tier, max_tier]: true if any tier fits; checked exactly below.
        matches.append(and_(Announcement.collection_id == collection_id, Announcement.recipient.is_(None),
                            Announcement.min_tier <= best,
                            or_(Announcement.max_tier.is_(None), Announcement.max_tier >= worst)))
    rows = list(session.scalars(select(Announcement).where(or_(*matches))
                                .order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(200)))
    rows = [a for a in rows if a.recipient is not None or any(
        a.min_tier <= t and (a.max_tier is None or t <= a.max_tier) for t in tiers.get(a.collection_id, []))]
    read = set(session.scalars(select(AnnouncementRead.announcement_id).where(
        AnnouncementRead.address == address, AnnouncementRead.announcement_id.in_([a.id for a in rows])))) if rows else set()
    return [(a, a.id in read) for a in rows]


def mark_read(session: Session, address: str, announcement_id: int, now: int) -> None:
    visible = {a.id for a, _ in for_holder(session, address, now)}
    if announcement_id not in visible:
        raise Refusal("announcement_not_found", announcement_id=announcement_id)
    if session.get(AnnouncementRead, (announcement_id, address)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(AnnouncementRead(announcement_id=announcement_id, address=address, read_at=now))
    except IntegrityError:  # the same holder marked it read from another tab at the same moment
        pass
