"""How long the console's KPI history takes (GET /staff/municipalities/{id}/kpis/series): a measurement.

    python bench/kpi_series.py [--cards 20000] [--transfers 5000] [--history-days 365] [--postgres URL]

The series is replayed from `card_events` on every request (backend/staff/kpi_series.py). This fills an
index with the events the indexer would store for `--cards` cards issued in batches of 100 over
`--history-days` days, `--transfers` transfers and some revocations, then times kpi_series for windows
of 30, 90 and 365 days. Target: under 1 s for 20,000 cards and a 90-day window (a console page load).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 1.0
ZERO = "0x" + "00" * 20


def fill(db_url: str, cards: int, transfers: int, history_days: int) -> tuple[int, int]:
    from sqlalchemy import insert

    from backend.db import make_engine, migrate, session_factory
    from backend.db.models_chain import CardEvent, Collection, Municipality

    migrate(db_url)
    engine = make_engine(db_url)
    rng = random.Random(7)
    start = int(time.time()) - history_days * 86_400
    holders = [f"0x{i:040X}" for i in range(1, cards // 3 + 2)]
    rows, owners, block = [], {}, 0
    per_block = 100
    span = history_days * 86_400
    for first in range(1, cards + 1, per_block):
        block += 1
        t = start + span * first // (cards + 1)
        count = min(per_block, cards - first + 1)
        for i in range(count):
            owners[first + i] = holder = rng.choice(holders)
            rows.append(dict(block_number=block, log_index=i, block_time=t, kind="transfer", token_id=first + i,
                             args={"from": ZERO, "to": holder}))
        rows.append(dict(block_number=block, log_index=count, block_time=t, kind="issued", token_id=first,
                         args={"count": count, "number": first, "tier": 0, "expires": 0, "locked": False}))
    moves = sorted(rng.randrange(start + span // 2, start + span) for _ in range(transfers))
    for n, t in enumerate(moves):
        block += 1
        minted = max(1, min(cards, (t - start) * (cards + 1) // span - per_block))  # only cards issued by then
        token = rng.randrange(1, minted + 1)
        to = rng.choice(holders)
        if owners[token] == ZERO:  # revoked already
            continue
        if n % 10 == 9:  # some revocations among them
            rows.append(dict(block_number=block, log_index=0, block_time=t, kind="transfer", token_id=token,
                             args={"from": owners[token], "to": ZERO}))
            rows.append(dict(block_number=block, log_index=1, block_time=t, kind="revoked", token_id=token,
                             args={"number": token}))
            owners[token] = ZERO
            continue
        rows.append(dict(block_number=block, log_index=0, block_time=t, kind="transfer", token_id=token,
                         args={"from": owners[token], "to": to}))
        owners[token] = to
    with session_factory(engine)() as s:
        town = Municipality(slug="bench", name_ja="ベンチ市", name_en="Bench City")
        s.add(town)
        s.flush()
        col = Collection(municipality_id=town.id, chain_id=31337, address="0x" + "11" * 20, symbol="BENCH",
                         name_ja="ベンチ市", name_en="Bench City", soulbound=False, deploy_block=1,
                         indexed_block=block)
        s.add(col)
        s.flush()
        for r in rows:
            r.update(collection_id=col.id, tx_hash="0x" + "00" * 32)
        for i in range(0, len(rows), 5000):
            s.execute(insert(CardEvent), rows[i:i + 5000])
        s.commit()
        town_id = town.id
    engine.dispose()
    return town_id, len(rows)


def measure(db_url: str, town_id: int) -> dict:
    from backend.db import make_engine, session_factory
    from backend.staff.kpi_series import kpi_series

    engine = make_engine(db_url)
    out = {}
    with session_factory(engine)() as s:
        for days in (30, 90, 365):
            started, cpu = time.perf_counter(), time.process_time()
            result = kpi_series(s, town_id, days)
            out[days] = (time.perf_counter() - started, time.process_time() - cpu, result["cards"]["issued"][-1])
    engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--transfers", type=int, default=5_000)
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--postgres", default=os.environ.get("RESIDENT_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    targets = []
    with tempfile.TemporaryDirectory() as tmp:
        targets.append(("sqlite", f"sqlite:///{tmp}/bench.db", None))
        if args.postgres:
            sys.path.insert(0, str(ROOT / "bench"))
            from indexer import postgres_database

            url, drop = postgres_database(args.postgres)
            targets.append(("postgresql", url, drop))
        ok = True
        print(f"{args.cards} cards, {args.transfers} transfers over {args.history_days} days")
        print("seconds per request, wall (this process's CPU)")
        print(f"{'database':<12}{'events':>8}{'30 days':>16}{'90 days':>16}{'365 days':>16}")
        for name, url, drop in targets:
            try:
                town_id, events = fill(url, args.cards, args.transfers, args.history_days)
                times = measure(url, town_id)
            finally:
                if drop:
                    drop()
            print(f"{name:<12}{events:>8}" + "".join(f"{times[d][0]:>8.2f} ({times[d][1]:.2f})" for d in (30, 90, 365)))
            ok &= times[90][0] < TARGET_SECONDS and times[365][2] == args.cards
    print("target (90 days < 1 s):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
