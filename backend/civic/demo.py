"""Demo civic data for `make run`: an open poll and a welcome announcement in the demo municipality."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.civic import polls
from backend.db.models_civic import Announcement, Poll

POLL_TITLE_EN = "Which project should the residents' budget fund?"


def seed_civic(db: Session, municipality_id: int, collection_id: int, now: int | None = None) -> dict:
    """Adds the demo poll (open 30 days, one vote per card) and a welcome note, unless they exist."""
    now = int(time.time() if now is None else now)
    poll = db.scalar(select(Poll).where(Poll.municipality_id == municipality_id, Poll.title_en == POLL_TITLE_EN))
    if poll is None:
        poll = polls.create_poll(
            db, municipality_id=municipality_id, collection_id=collection_id,
            title_ja="デジタル住民予算の使い道", title_en=POLL_TITLE_EN,
            description_ja="デジタル住民の皆さまの投票で、来年度に実施する事業を決めます。",
            description_en="Digital residents choose next year's project.",
            opens_at=now - 60, closes_at=now + 30 * 86400, min_tier=0, one_vote_per="card", created_by=None,
            questions=[
                polls.QuestionSpec("single", "実施したい事業を1つ選んでください", "Choose one project",
                                   [{"ja": "秋吉台の遊歩道整備", "en": "Akiyoshidai walking trails"},
                                    {"ja": "空き家のコワーキング改修", "en": "Coworking in a vacant house"},
                                    {"ja": "地元の祭りの復活", "en": "Bring back a local festival"}]),
                polls.QuestionSpec("text", "ご意見・ご提案", "Comments and ideas", [], required=False),
            ])
    note = db.scalar(select(Announcement).where(Announcement.municipality_id == municipality_id,
                                                Announcement.kind == "news",
                                                Announcement.title_en == "Welcome, digital residents"))
    if note is None:
        note = Announcement(municipality_id=municipality_id, collection_id=collection_id, kind="news",
                            title_ja="デジタル住民の皆さまへ", title_en="Welcome, digital residents",
                            body_ja="美祢市のデジタル住民になっていただき、ありがとうございます。投票やお知らせはこのアプリで。",
                            body_en="Thank you for becoming a digital resident of Mine. Votes and news are here.",
                            min_tier=0, email=False, published_at=now)
        db.add(note)
        db.flush()
    return {"poll_id": poll.id, "announcement_id": note.id}
