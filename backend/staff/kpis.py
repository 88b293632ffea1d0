"""KPIs a municipality reports (Omuta-style city promotion metrics): cards, holders, concentration, use.

Concentration matters because a cap on cards per person is the fix for what
happened in Mine (2,000 cards sold, about 350 real buyers): staff see the
share of cards held by the top 1 and top 10 holders, the Herfindahl-Hirschman
index (sum of squared shares, 0-10,000) and the Gini coefficient of cards per
holder. Concentration is computed over active cards (what holders hold now).

The residency programme's own figures (check-ins, premium, renewals, turnout) are in the same report, so the
one CSV staff hand to the council has them too; their details stay on the programme's own endpoints.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.civic.kpis import turnout_summary
from backend.db.models_chain import ACTIVE, ORPHANED, Card, Collection
from backend.db.models_perks import Perk, Redemption, Venue
from backend.perks.rules import DAY_SECONDS, japan_date
from backend.residency.kpis import checkin_count, premium_count, premium_people, renewals

ACTIVE_WINDOW_DAYS = 30
PROGRAMME_YEAR_DAYS = 365  # premium is judged on a year of activities and renewed yearly


@dataclass(frozen=True)
class Concentration:
    holders: int
    cards: int
    top1_share: float  # share of active cards held by the largest holder (0-1)
    top10_share: float
    hhi: float  # 0-10,000; 10,000 = one holder holds everything
    gini: float  # 0 = everybody holds the same number; towards 1 = a few hold most


def concentration(holdings: list[int]) -> Concentration:
    """Concentration of cards per holder; `holdings` is the number of cards of each holder (pure)."""
    return concentration_of_sizes(Counter(h for h in holdings if h > 0))


def concentration_of_sizes(sizes: dict[int, int]) -> Concentration:
    """Concentration from how many holders hold each number of cards ({cards: holders}); the KPI history keeps
    this histogram as it replays events, so a day costs its distinct holding sizes, not its holders (pure)."""
    groups = sorted(((k, c) for k, c in sizes.items() if k > 0 and c > 0), reverse=True)  # largest first
    n = sum(c for _, c in groups)
    total = sum(k * c for k, c in groups)
    if total == 0:
        return Concentration(0, 0, 0.0, 0.0, 0.0, 0.0)
    hhi = sum(c * k * k for k, c in groups) / (total * total) * 10_000
    top10, left = 0, 10
    for k, c in groups:
        take = min(c, left)
        top10, left = top10 + take * k, left - take
        if not left:
            break
    # Gini over holders, counts ascending: G = (2 * sum(i * x_i) / (n * sum x)) - (n + 1) / n, i = 1..n; a
    # group of c holders with k cards each at ranks r+1..r+c adds k * (c*r + c*(c+1)/2).
    weighted, rank = 0, 0
    for k, c in reversed(groups):
        weighted += k * (c * rank + c * (c + 1) // 2)
        rank += c
    gini = (2 * weighted) / (n * total) - (n + 1) / n
    return Concentration(n, total, round(groups[0][0] / total, 4), round(top10 / total, 4),
                         round(hhi, 1), round(max(0.0, gini), 4))


def _signed_in_holders(session: Session, since: int) -> set[str]:
    """Holders who signed in since `since` (the access area's `holders` table, when installed)."""
    try:
        from backend.db.models_access import Holder
    except ImportError:
        return set()
    return set(session.scalars(select(Holder.address).where(Holder.last_sign_in_at >= since)))


def municipality_kpis(session: Session, municipality_id: int, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    collections = select(Collection.id).where(Collection.municipality_id == municipality_id)
    in_scope = Card.collection_id.in_(collections)
    issued = session.scalar(select(func.count()).select_from(Card).where(in_scope, Card.status != ORPHANED)) or 0
    active_cards = session.scalar(select(func.count()).select_from(Card).where(in_scope, Card.status == ACTIVE)) or 0
    valid_cards = session.scalar(select(func.count()).select_from(Card).where(
        in_scope, Card.status == ACTIVE, (Card.expires_at == 0) | (Card.expires_at > int(now)))) or 0
    holdings = [n for (n,) in session.execute(select(func.count()).select_from(Card)
                                              .where(in_scope, Card.status == ACTIVE).group_by(Card.owner))]
    conc = concentration(holdings)
    since = int(now) - ACTIVE_WINDOW_DAYS * DAY_SECONDS
    # Redemptions are counted by Japan day (indexed with perk and venue; no index on the timestamp, so the
    # venue's hot INSERT maintains one B-tree fewer).
    first_day = japan_date(now - (ACTIVE_WINDOW_DAYS - 1) * DAY_SECONDS)
    perk_scope = Redemption.perk_id.in_(select(Perk.id).where(Perk.collection_id.in_(collections)))
    redeemers = set(session.scalars(select(Redemption.holder).where(perk_scope, Redemption.day >= first_day)
                                    .distinct()))
    holders_now = set(session.scalars(select(Card.owner).where(in_scope, Card.status == ACTIVE).distinct()))
    active_holders = (redeemers | _signed_in_holders(session, since)) & holders_now
    return {
        "municipality_id": municipality_id,
        "as_of": int(now),
        "cards_issued": issued,
        "cards_active": active_cards,
        "cards_valid": valid_cards,
        "unique_holders": conc.holders,
        "concentration": asdict(conc),
        "active_holders_30d": len(active_holders),
        "redemptions_30d": session.scalar(select(func.count()).select_from(Redemption).where(
            perk_scope, Redemption.day >= first_day)) or 0,
        "redemptions_by_perk": redemptions_by(session, municipality_id, "perk"),
        "redemptions_by_venue": redemptions_by(session, municipality_id, "venue"),
        "redemptions_by_day": redemptions_by(session, municipality_id, "day"),
        "programme": programme_kpis(session, municipality_id, now),
    }


def programme_kpis(session: Session, municipality_id: int, now: float) -> dict:
    """Residency programme: activity check-ins (30 / 365 days), premium now (cards, verified people), premium
    renewed, lapsed and waiting for approval, and poll turnout over the last year."""
    year_ago = int(now) - PROGRAMME_YEAR_DAYS * DAY_SECONDS
    renewed = renewals(session, municipality_id, since=year_ago)
    polls = turnout_summary(session, municipality_id, now, year_ago)
    return {
        "checkins_30d": checkin_count(session, municipality_id, int(now) - ACTIVE_WINDOW_DAYS * DAY_SECONDS, now),
        "checkins_365d": checkin_count(session, municipality_id, year_ago, now),
        "premium_cards": premium_count(session, municipality_id, now),
        "premium_people": premium_people(session, municipality_id, now),
        "premium_renewed_365d": renewed["renewed"],
        "premium_lapsed_365d": renewed["lapsed"],
        "premium_waiting": renewed["queue"],
        "polls_closed_365d": polls["polls_closed"],
        "turnout_last_poll": polls["turnout_last_poll"],
        "turnout_average_365d": polls["turnout_average"],
    }


def redemptions_by(session: Session, municipality_id: int, by: str, days: int = 30,
                   now: float | None = None) -> list[dict]:
    """Redemption counts per perk, per venue or per (Japan) day over the last `days` days."""
    now = time.time() if now is None else now
    first_day = japan_date(now - (days - 1) * DAY_SECONDS)
    base = (select(func.count(Redemption.id)).join(Perk, Perk.id == Redemption.perk_id)
            .join(Collection, Collection.id == Perk.collection_id)
            .where(Collection.municipality_id == municipality_id, Redemption.day >= first_day))
    if by == "perk":
        q = base.add_columns(Perk.id, Perk.name_ja, Perk.name_en).group_by(Perk.id, Perk.name_ja, Perk.name_en) \
            .order_by(Perk.id)
        return [{"perk_id": i, "name_ja": ja, "name_en": en, "redemptions": n} for n, i, ja, en in session.execute(q)]
    if by == "venue":
        q = base.join(Venue, Venue.id == Redemption.venue_id).add_columns(Venue.id, Venue.name_ja, Venue.name_en) \
            .group_by(Venue.id, Venue.name_ja, Venue.name_en).order_by(Venue.id)
        return [{"venue_id": i, "name_ja": ja, "name_en": en, "redemptions": n} for n, i, ja, en in session.execute(q)]
    if by == "day":
        q = base.add_columns(Redemption.day).group_by(Redemption.day).order_by(Redemption.day)
        return [{"day": d, "redemptions": n} for n, d in session.execute(q)]
    raise ValueError(f"unknown grouping {by!r}")
