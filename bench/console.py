"""How long the console's holder search and card page take: a measurement.

    python bench/console.py [--cards 5000] [--requests 200] [--postgres URL] [--json FILE]

Fills an index as the indexer and the app would leave it for `--cards` cards (issued in batches of 100 over
a year; a third moved once, some with tier and expiry changes, a few revoked), with check-ins, redemptions
and inactivity notices, then times the route handlers (backend/api/staff/holders.py: the queries and the
answer's model, each request in a fresh database session, as the app opens one; HTTP and JSON encoding are
not in it) for searches (every card, a deep page, a resident number, a card number, a wallet, no match) and
for card pages of random cards. Prints p50 and p95 in milliseconds per database. Target: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tables import grid  # noqa: E402  (bench/tables.py)

TARGET_P95_MS = 100.0
ZERO = "0x" + "00" * 20
DAY = 86_400


def fill(db_url: str, cards: int) -> dict:
    from eth_utils import to_checksum_address
    from sqlalchemy import insert, select

    from backend.db import make_engine, migrate, session_factory
    from backend.db.models_chain import Card, CardEvent, Collection, Municipality
    from backend.db.models_civic import InactivityNotice
    from backend.db.models_perks import Perk, Redemption, Venue
    from backend.db.models_residency import Activity, CheckIn
    from backend.perks.rules import japan_date

    migrate(db_url)
    engine = make_engine(db_url)
    rng = random.Random(13)
    start = int(time.time()) - 365 * DAY
    wallets = [to_checksum_address(f"0x{rng.getrandbits(160):040x}") for _ in range(cards + cards // 3)]
    events, card_rows, block = [], [], 0
    for first in range(1, cards + 1, 100):
        block += 1
        t = start + 365 * DAY * first // (cards + 1)
        count = min(100, cards - first + 1)
        for i in range(count):
            token = first + i
            owner, status, tier, expires, since = wallets[token - 1], "active", 0, 0, t
            events.append(dict(block_number=block, log_index=i, block_time=t, kind="transfer", token_id=token,
                               args={"from": ZERO, "to": owner}))
            later = t + rng.randrange(DAY, 60 * DAY)
            if token % 3 == 0:
                new = wallets[cards + token // 3 - 1]
                events.append(dict(block_number=block + 10_000 + token, log_index=0, block_time=later,
                                   kind="transfer", token_id=token, args={"from": owner, "to": new}))
                owner, since = new, later
            if token % 5 == 0:
                tier, expires = 1, later + 365 * DAY
                events.append(dict(block_number=block + 20_000 + token, log_index=0, block_time=later, kind="tier",
                                   token_id=token, args={"tier": 1}))
                events.append(dict(block_number=block + 20_000 + token, log_index=1, block_time=later,
                                   kind="expiry", token_id=token, args={"expires": expires}))
            if token % 50 == 0:
                status = "revoked"
                events.append(dict(block_number=block + 30_000 + token, log_index=0, block_time=later + DAY,
                                   kind="revoked", token_id=token, args={"number": token}))
            card_rows.append(dict(token_id=token, owner=owner, resident_number=token, tier=tier, issued_at=t,
                                  expires_at=expires, locked=False, status=status, holding_since=since,
                                  updated_block=block))
        events.append(dict(block_number=block, log_index=count, block_time=t, kind="issued", token_id=first,
                           args={"count": count, "number": first, "tier": 0, "expires": 0, "locked": False}))
    with session_factory(engine)() as s:
        town = Municipality(slug="bench", name_ja="ベンチ市", name_en="Bench City")
        s.add(town)
        s.flush()
        col = Collection(municipality_id=town.id, chain_id=31337, address="0x" + "11" * 20, symbol="BENCH",
                         name_ja="ベンチ市", name_en="Bench City", soulbound=False, deploy_block=1,
                         indexed_block=block + 40_000)
        s.add(col)
        s.flush()
        for rows, table in ((card_rows, Card), (events, CardEvent)):
            for r in rows:
                r["collection_id"] = col.id
                if table is CardEvent:
                    r["tx_hash"] = "0x" + f"{rng.getrandbits(256):064x}"
            for i in range(0, len(rows), 5000):
                s.execute(insert(table), rows[i:i + 5000])
        activity = Activity(municipality_id=town.id, title_ja="草刈り", title_en="Mowing")
        venue = Venue(municipality_id=town.id, name_ja="洞窟", name_en="Cave")
        perk = Perk(collection_id=col.id, name_ja="入場", name_en="Entry", kind="venue_entry")
        s.add_all([activity, venue, perk])
        s.flush()
        ids = dict(s.execute(select(Card.token_id, Card.id).where(Card.collection_id == col.id)).all())
        checkins, redemptions, notices = [], [], []
        for token, card_id in ids.items():
            owner = card_rows[token - 1]["owner"]
            for _ in range(token % 7):  # up to six check-ins and redemptions a card
                at = start + rng.randrange(365 * DAY)
                checkins.append(dict(activity_id=activity.id, card_id=card_id, municipality_id=town.id,
                                     holder=owner, day=japan_date(at),
                                     checked_in_at=at))
                redemptions.append(dict(pass_id=f"{rng.getrandbits(128):032x}", perk_id=perk.id, card_id=card_id,
                                        venue_id=venue.id, holder=owner, redeemed_at=at, day=japan_date(at)))
            if token % 10 == 0:
                at = start + rng.randrange(365 * DAY)
                notices.append(dict(municipality_id=town.id, card_id=card_id, address=owner, last_active_at=at,
                                    noticed_at=at, deadline_at=at + 60 * DAY, status="cancelled"))
        seen = set()
        unique = []
        for c in checkins:  # one check-in per card, activity and Japan day (the table's UNIQUE)
            if (c["card_id"], c["day"]) not in seen:
                seen.add((c["card_id"], c["day"]))
                unique.append(c)
        checkins = unique
        for rows, table in ((checkins, CheckIn), (redemptions, Redemption), (notices, InactivityNotice)):
            for i in range(0, len(rows), 5000):
                s.execute(insert(table), rows[i:i + 5000])
        s.commit()
        out = {"municipality_id": town.id, "card_ids": list(ids.values()), "wallets": [c["owner"] for c in card_rows],
               "events": len(events), "checkins": len(checkins), "redemptions": len(redemptions),
               "notices": len(notices)}
    engine.dispose()
    return out


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(db_url: str, world: dict, cards: int, requests: int) -> dict:
    from backend.api.staff.holders import read_card, search_cards
    from backend.db import make_engine, session_factory

    engine = make_engine(db_url)
    sessions = session_factory(engine)
    rng = random.Random(5)
    mid = world["municipality_id"]
    pages = max(1, cards // 20)
    cases = {
        "search: every card, page 1": lambda: dict(q=""),
        f"search: every card, page {pages // 2}": lambda: dict(q="", page=pages // 2),
        "search: resident number": lambda: dict(q=str(rng.randrange(1, cards + 1))),
        "search: card number (#n)": lambda: dict(q=f"#{rng.randrange(1, cards + 1)}"),
        "search: wallet": lambda: dict(q=rng.choice(world["wallets"]).lower()),
        "search: wallet, no match": lambda: dict(q="0x" + f"{rng.getrandbits(160):040x}"),
        "search: cards in use, page 1": lambda: dict(q="", status="active"),
    }
    out = {}
    for name, args in cases.items():
        samples = []
        for _ in range(requests):
            params = {"q": "", "status": None, "page": 1, "per_page": 20, **args()}
            started = time.perf_counter()
            with sessions() as s:
                search_cards(mid, None, s, **params)
            samples.append((time.perf_counter() - started) * 1000)
        out[name] = samples
    samples, lengths = [], []
    for _ in range(requests):
        card_id = rng.choice(world["card_ids"])
        started = time.perf_counter()
        with sessions() as s:
            page = read_card(mid, card_id, None, s)
        samples.append((time.perf_counter() - started) * 1000)
        lengths.append(len(page.history))
    out["card page (history)"] = samples
    engine.dispose()
    return {name: {"p50_ms": round(percentile(s, 50), 2), "p95_ms": round(percentile(s, 95), 2),
                   "mean_ms": round(statistics.fmean(s), 2), "requests": len(s)} for name, s in out.items()} | {
        "_history_lines": {"mean": round(statistics.fmean(lengths), 1), "max": max(lengths)}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per case")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("RESIDENT_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server URL: bench on a fresh database there too")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    targets = []
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        targets.append(("sqlite", f"sqlite:///{tmp}/bench.db", None))
        if args.postgres:
            from indexer import postgres_database  # bench/indexer.py

            url, drop = postgres_database(args.postgres)
            targets.append(("postgresql", url, drop))
        for name, url, drop in targets:
            try:
                world = fill(url, args.cards)
                results[name] = measure(url, world, args.cards, args.requests)
                results[name]["_rows"] = {k: world[k] for k in ("events", "checkins", "redemptions", "notices")}
            finally:
                if drop:
                    drop()
    names = [n for n in next(iter(results.values())) if not n.startswith("_")]
    header = ("request", *(f"{db} p50 / p95 ms" for db in results))
    lines = [header] + [(n, *(f"{results[db][n]['p50_ms']:.1f} / {results[db][n]['p95_ms']:.1f}" for db in results))
                        for n in names]
    first = next(iter(results.values()))
    print(f"{args.cards} cards, {first['_rows']['events']} card events, {first['_rows']['checkins']} check-ins, "
          f"{first['_rows']['redemptions']} redemptions, {first['_rows']['notices']} notices; "
          f"{args.requests} requests per case; history lines per card: mean {first['_history_lines']['mean']}, "
          f"max {first['_history_lines']['max']}")
    print(grid(lines))
    worst = max(results[db][n]["p95_ms"] for db in results for n in names)
    ok = worst < TARGET_P95_MS
    print(f"target (p95 < {TARGET_P95_MS:.0f} ms): {'met' if ok else 'MISSED'} (worst p95 {worst:.1f} ms); "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if args.json:
        Path(args.json).write_text(json.dumps({"cards": args.cards, "requests": args.requests, "results": results,
                                               "target_p95_ms": TARGET_P95_MS, "met": ok,
                                               "loadavg_1min": os.getloadavg()[0], "cpus": os.cpu_count()},
                                              indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
