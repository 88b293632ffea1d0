"""KPI history for the console's charts: per Japan day, cards, holders, concentration and redemptions.

Card figures are replayed from the index's own event log (`card_events`), not
from a snapshot table: the log already holds every canonical event with its
block time, and the indexer's `fold` is the one definition of what an event
does to a card, so the history cannot disagree with the `cards` table (after a
reorg the orphaned events are gone from the log, and the history with them).
The replay keeps running totals (active cards, cards per holder, active cards
per expiry time) and updates them only for the cards a day's events touch, so
a day costs its events plus one pass over a histogram (holders per number of
cards held) for the concentration figures. Measured by bench/kpi_series.py.

Redemptions come from the `redemptions` table, grouped by its Japan `day`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models_chain import ACTIVE, CardEvent, Collection
from backend.db.models_perks import Perk, Redemption, Venue
from backend.chain.indexer.fold import ZERO_ADDRESS, Event, fold, touched_tokens
from backend.perks.rules import JST
from backend.staff.kpis import concentration_of_sizes

MAX_DAYS = 366
EVENT_BATCH = 5_000


def japan_days(days: int, now: float) -> list[tuple[str, int]]:
    """The last `days` Japan dates up to `now`'s, oldest first, each with its cut-off: the unix time of the
    next midnight in Japan, or `now` for today (figures for today are figures as of now)."""
    today = datetime.fromtimestamp(now, JST).date()
    out = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        end = int(datetime.combine(day + timedelta(days=1), datetime.min.time(), JST).timestamp())
        out.append((day.isoformat(), min(end, int(now)) if back == 0 else end))
    return out


class _Totals:
    """Running card figures of a municipality while its events are replayed in chain order."""

    def __init__(self) -> None:
        self.states: dict[tuple[int, int], dict] = {}
        self.issued = 0
        self.active = 0
        self.holdings: Counter[str] = Counter()
        self.sizes: Counter[int] = Counter()  # holders per number of cards held
        self.expiries: Counter[int] = Counter()  # active cards per expiry time (0 = never)

    def _count(self, keys, sign: int) -> None:
        for key in keys:
            state = self.states.get(key)
            if state is None or state["status"] != ACTIVE:
                continue
            self.active += sign
            owner = state["owner"]
            held = self.holdings[owner]
            self.sizes[held] -= 1
            self.holdings[owner] = held = held + sign
            self.sizes[held] += 1
            if held == 0:
                del self.holdings[owner]
            self.expiries[state["expires_at"]] += sign

    def apply(self, events: list[Event]) -> None:
        keys = touched_tokens(events)
        self._count(keys, -1)
        self.issued += sum(1 for e in events if e.kind == "transfer" and e.args["from"] == ZERO_ADDRESS)
        fold(self.states, events)
        self._count(keys, +1)

    def figures(self, at: int) -> dict:
        expired = sum(n for expires, n in self.expiries.items() if expires and expires <= at)
        conc = concentration_of_sizes(self.sizes)
        return {"issued": self.issued, "active": self.active, "valid": self.active - expired,
                "unique_holders": conc.holders, "top1_share": conc.top1_share, "top10_share": conc.top10_share,
                "hhi": conc.hhi, "gini": conc.gini}


def _events(session: Session, municipality_id: int, before: int) -> Iterator[Event]:
    collections = select(Collection.id).where(Collection.municipality_id == municipality_id)
    q = (select(CardEvent.collection_id, CardEvent.block_number, CardEvent.log_index, CardEvent.block_time,
                CardEvent.kind, CardEvent.token_id, CardEvent.args)
         .where(CardEvent.collection_id.in_(collections), CardEvent.block_time < before)
         # Block time first: one chain's blocks are in time order, and a day is a range of block times.
         .order_by(CardEvent.block_time, CardEvent.block_number, CardEvent.log_index, CardEvent.collection_id))
    # Core rows on the session's connection (no ORM row processing: a third of the time), streamed in batches.
    rows = session.connection().execution_options(yield_per=EVENT_BATCH).execute(q)
    for collection_id, block, log_index, block_time, kind, token_id, args in rows:
        yield Event(collection_id, block, log_index, block_time, "", kind, token_id, args)  # tx hash not needed


CARD_SERIES = ("issued", "active", "valid", "unique_holders", "top1_share", "top10_share", "hhi", "gini")


def card_series(session: Session, municipality_id: int, days: list[tuple[str, int]]) -> dict[str, list]:
    """Card figures at each day's cut-off, as one list per figure (aligned with `days`)."""
    totals = _Totals()
    series: dict[str, list] = {name: [] for name in CARD_SERIES}
    pending: list[Event] = []
    cutoffs = iter(days)
    _, cutoff = next(cutoffs)

    def close_day(at: int) -> None:
        totals.apply(pending)
        pending.clear()
        for name, value in totals.figures(at).items():
            series[name].append(value)

    for event in _events(session, municipality_id, days[-1][1]):
        while event.block_time >= cutoff:
            close_day(cutoff)
            _, cutoff = next(cutoffs)
        pending.append(event)
        if len(pending) >= EVENT_BATCH:  # a huge day: fold it in parts (same result, bounded memory)
            totals.apply(pending)
            pending.clear()
    close_day(cutoff)
    for _, cutoff in cutoffs:
        close_day(cutoff)
    return series


def _redemption_series(session: Session, municipality_id: int, day_names: list[str], by: str) -> list[dict]:
    """Per perk or per venue, its redemptions on each day (only those with any in the window)."""
    index = {d: i for i, d in enumerate(day_names)}
    entity = Perk if by == "perk" else Venue
    q = (select(entity.id, entity.name_ja, entity.name_en, Redemption.day, func.count(Redemption.id))
         .select_from(Redemption).join(Perk, Perk.id == Redemption.perk_id)
         .join(Collection, Collection.id == Perk.collection_id)
         .where(Collection.municipality_id == municipality_id, Redemption.day >= day_names[0],
                Redemption.day <= day_names[-1]))
    if by == "venue":
        q = q.join(Venue, Venue.id == Redemption.venue_id)
    q = q.group_by(entity.id, entity.name_ja, entity.name_en, Redemption.day).order_by(entity.id)
    rows: dict[int, dict] = {}
    for ident, name_ja, name_en, day, n in session.execute(q):
        row = rows.setdefault(ident, {f"{by}_id": ident, "name_ja": name_ja, "name_en": name_en,
                                      "counts": [0] * len(day_names)})
        row["counts"][index[day]] = n
    return list(rows.values())


def kpi_series(session: Session, municipality_id: int, days: int = 30, now: float | None = None) -> dict:
    """The municipality's KPIs for each of the last `days` Japan days (today included, as of `now`)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    now = time.time() if now is None else now
    window = japan_days(days, now)
    names = [d for d, _ in window]
    by_perk = _redemption_series(session, municipality_id, names, "perk")
    by_venue = _redemption_series(session, municipality_id, names, "venue")
    total = [sum(row["counts"][i] for row in by_perk) for i in range(len(names))]
    return {"municipality_id": municipality_id, "as_of": int(now), "days": names,
            "cards": card_series(session, municipality_id, window),
            "redemptions": {"total": total, "by_perk": by_perk, "by_venue": by_venue}}
