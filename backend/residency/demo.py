"""Residency demo for `make run`: 美祢市 linked to 山口県 (the prefecture scripts/demo.py deploys), automatic
premium, and three designated activities held every day of the coming month (refreshed at each start), so
a holder can check in to three activities and become premium on the demo."""

from __future__ import annotations

import time

from sqlalchemy import select

from backend.db.models_chain import Collection
from backend.db.models_residency import Activity
from backend.perks.rules import japan_date
from backend.residency.activities import ActivitySpec, create_activity, set_days
from backend.residency.prefecture_links import link_by_seed
from backend.residency.programme import save_programme

PREFECTURE_SYMBOL = "YAMAGUCHI"
DAYS_AHEAD = 30
ACTIVITIES = [
    ("秋芳洞周辺の清掃活動", "Clean-up around Akiyoshi-do Cave", "秋芳洞 入口広場", "秋芳町自治会"),
    ("美東ごぼう収穫の手伝い", "Helping with the Mito burdock harvest", "美東町の畑", "JA山口美祢"),
    ("地域の夏祭り運営", "Running the local summer festival", "美祢市民会館", "美祢まつり実行委員会"),
]


def seed_residency(db, settings, city_collection: Collection) -> list[str]:
    """Links the demo city to its prefecture and keeps three demo activities open; returns summary lines."""
    lines = ["Residency demo:"]
    prefecture = db.scalar(select(Collection).where(Collection.chain_id == settings.chain_id,
                                                    Collection.symbol == PREFECTURE_SYMBOL))
    city = city_collection.municipality_id
    if prefecture is not None:
        save_programme(db, prefecture.municipality_id, {"kind": "prefecture", "collection_id": prefecture.id})
        save_programme(db, city, {"collection_id": city_collection.id, "premium_mode": "automatic"})
        link_by_seed(db, city, prefecture.municipality_id)
        lines.append(f"  {city_collection.name_ja} is linked to {prefecture.name_ja} ({PREFECTURE_SYMBOL}); "
                     "registering with the city also issues the prefecture's card unless opted out")
    else:
        save_programme(db, city, {"collection_id": city_collection.id, "premium_mode": "automatic"})
    now = time.time()
    days = [japan_date(now + i * 86_400) for i in range(DAYS_AHEAD + 1)]
    for title_ja, title_en, place, organiser in ACTIVITIES:
        activity = db.scalar(select(Activity).where(Activity.municipality_id == city, Activity.title_en == title_en))
        if activity is None:
            activity = create_activity(db, city, ActivitySpec(title_ja, title_en, days, place, organiser))
        else:
            set_days(db, activity, days)
        lines.append(f"  activity {activity.id}: {title_en}  (organiser's rotating QR screen: "
                     f"{settings.public_url}/activity-qr?activity={activity.id}, staff signed in)")
    lines.append("  identity: the holder page's \"verify identity\" uses the development provider (no real ID needed)")
    return lines
