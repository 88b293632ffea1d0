"""Civic KPIs of a municipality: turnout per poll, inactivity notices sent, cancelled by activity, revoked."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.civic.polls import eligible_count, status_of
from backend.db.models_civic import Announcement, Ballot, InactivityNotice, Poll


def poll_turnout(session: Session, polls: list[Poll], now: float) -> list[dict]:
    """Voters, eligible holders and turnout (0-1) of each poll."""
    voters = dict(session.execute(select(Ballot.poll_id, func.count(Ballot.id))
                                  .where(Ballot.poll_id.in_([p.id for p in polls])).group_by(Ballot.poll_id)).all()) \
        if polls else {}
    turnout = []
    for p in polls:
        eligible = eligible_count(session, p, now)
        n = int(voters.get(p.id, 0))
        turnout.append({"poll_id": p.id, "title_ja": p.title_ja, "title_en": p.title_en, "status": status_of(p, now),
                        "voters": n, "eligible": eligible,
                        "turnout": round(n / eligible, 4) if eligible else 0.0})
    return turnout


def turnout_summary(session: Session, municipality_id: int, now: float, since: int) -> dict:
    """Polls closed since `since`, the turnout of the last one and their average (None when there is none)."""
    closed = list(session.scalars(select(Poll).where(Poll.municipality_id == municipality_id,
                                                     Poll.closes_at > since, Poll.closes_at <= now)
                                  .order_by(Poll.closes_at, Poll.id)))
    turnout = [t["turnout"] for t in poll_turnout(session, closed, now)]
    return {"polls_closed": len(closed), "turnout_last_poll": turnout[-1] if turnout else None,
            "turnout_average": round(sum(turnout) / len(turnout), 4) if turnout else None}


def civic_kpis(session: Session, municipality_id: int, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    polls = list(session.scalars(select(Poll).where(Poll.municipality_id == municipality_id).order_by(Poll.id)))
    turnout = poll_turnout(session, polls, now)
    by_status = dict(session.execute(select(InactivityNotice.status, func.count(InactivityNotice.id))
                                     .where(InactivityNotice.municipality_id == municipality_id)
                                     .group_by(InactivityNotice.status)).all())
    news = session.scalar(select(func.count(Announcement.id)).where(Announcement.municipality_id == municipality_id,
                                                                   Announcement.kind == "news")) or 0
    return {
        "as_of": int(now),
        "polls": turnout,
        "announcements": int(news),
        "notices_sent": int(sum(by_status.values())),
        "notices_open": int(by_status.get("open", 0)),
        "notices_cancelled": int(by_status.get("cancelled", 0)),
        "cards_revoked_for_inactivity": int(by_status.get("revoked", 0)),
        "revocations_failed": int(by_status.get("failed", 0)),
    }
