"""Indexer speed, measured on a fresh anvil chain (issue 4; a measurement, not a timed test).

    python bench/indexer.py [--cards 10000] [--transfers 20] [--postgres URL] [--json FILE]

1. Issues `--cards` cards (issueBatch, 500 per transaction) and times indexing them
   from scratch into SQLite and, with --postgres or $RESIDENT_TEST_POSTGRES_URL, PostgreSQL.
2. Runs the indexer as the app does (background thread, poll every 0.25 s) and measures the
   lag from a transfer's (and a revoke's) receipt to the index showing it. Target: within 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 500
LAG_TARGET_SECONDS = 2.0


def fresh_addresses(start: int, count: int) -> list[str]:
    from eth_utils import keccak, to_checksum_address

    return [to_checksum_address(keccak(b"resident-index-bench-%d" % i)[:20]) for i in range(start, start + count)]


def postgres_database(server_url: str) -> tuple[str, callable]:
    import psycopg
    from sqlalchemy.engine import make_url

    from backend.db.session import normalize_url

    name = "rb_" + uuid.uuid4().hex[:12]
    server = make_url(normalize_url(server_url))
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        for attempt in range(20):  # an autovacuum worker may still be in it (FORCE cannot end it)
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
                if attempt == 19:
                    raise
                time.sleep(0.25)

    return server.set(database=name).render_as_string(hide_password=False), drop


def settings_for(url: str, rpc_url: str, data_dir: Path, **extra):
    from backend.settings import Settings

    return Settings(_env_file=None, environment="test", rpc_url=rpc_url, chain_id=31337, data_dir=data_dir,
                    database_url=url, **extra)


def time_full_index(url: str, rpc_url: str, data_dir: Path, cards: int) -> dict:
    from sqlalchemy import func, select

    from backend.db import make_engine, migrate, session_factory
    from backend.db.models_chain import Card
    from backend.chain.indexer.indexer import Indexer

    migrate(url)
    engine = make_engine(url)
    try:
        sessions = session_factory(engine)
        indexer = Indexer(settings_for(url, rpc_url, data_dir), sessions)
        started = time.perf_counter()
        result = indexer.catch_up(timeout=600)
        elapsed = time.perf_counter() - started
        indexer.release()  # the lag measurement's indexer takes over
        with sessions() as session:
            indexed = session.scalar(select(func.count()).select_from(Card))
    finally:
        engine.dispose()
    assert indexed >= cards, f"indexed {indexed} cards, expected {cards}"
    return {"seconds": elapsed, "cards": indexed, "events": result.events, "cards_per_second": indexed / elapsed}


def measure_lag(url: str, chain, deployed, transfers: int) -> dict:
    from sqlalchemy import select

    from backend.db import make_engine, session_factory
    from backend.db.models_chain import Card
    from backend.chain.indexer.indexer import IndexerThread

    engine = make_engine(url)
    sessions = session_factory(engine)
    thread = IndexerThread(settings_for(url, chain.rpc_url, chain.data_dir, poll_interval=0.25), sessions)
    thread.indexer.catch_up(timeout=600)
    thread.start()

    def wait_until(token_id: int, predicate, since: float) -> float:
        while True:
            with sessions() as session:
                row = session.execute(select(Card.owner, Card.status).where(Card.token_id == token_id)).first()
            if row is not None and predicate(row):
                return time.perf_counter() - since
            if time.perf_counter() - since > 30:
                raise TimeoutError(f"card {token_id} not indexed after 30 s")
            time.sleep(0.002)

    transfer_lags, revoke_lags = [], []
    try:
        for _ in range(transfers):
            alice, bob = chain.new_holder().address, chain.new_holder().address
            token_id = deployed.issue(alice)
            wait_until(token_id, lambda row: row.owner == alice, time.perf_counter())
            deployed.transfer(token_id, bob)  # returns once the receipt is there (mined)
            mined = time.perf_counter()
            transfer_lags.append(wait_until(token_id, lambda row: row.owner == bob, mined))
            deployed.revoke(token_id)
            mined = time.perf_counter()
            revoke_lags.append(wait_until(token_id, lambda row: row.status == "revoked", mined))
    finally:
        thread.stop()
        engine.dispose()
    summary = {}
    for name, lags in (("transfer", transfer_lags), ("revoke", revoke_lags)):
        summary[name] = {"p50": statistics.median(lags), "max": max(lags), "n": len(lags)}
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--transfers", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("RESIDENT_TEST_POSTGRES_URL"))
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = parser.parse_args(argv)
    results: dict = {"cards": args.cards, "target_lag_seconds": LAG_TARGET_SECONDS, "databases": {}}

    from tests.backend.localchain import Anvil, LocalChain

    node = Anvil()
    work = Path(tempfile.mkdtemp(prefix="resident-index-bench-"))
    drops = []
    try:
        chain = LocalChain(node.url, work / "data")
        deployed = chain.deploy("IDXBENCH", soulbound=False, max_cards_per_wallet=65_535)
        started = time.perf_counter()
        for start in range(0, args.cards, BATCH):
            deployed.issue_batch(fresh_addresses(start, min(BATCH, args.cards - start)), tier=start % 2)
        print(f"Issued {args.cards:,} cards in {time.perf_counter() - started:.1f} s "
              f"({-(-args.cards // BATCH)} issueBatch transactions)")

        databases = [("SQLite", f"sqlite:///{work / 'bench.db'}")]
        if args.postgres:
            url, drop = postgres_database(args.postgres)
            databases.append(("PostgreSQL", url))
            drops.append(drop)
        else:
            print("(PostgreSQL skipped: pass --postgres URL or set RESIDENT_TEST_POSTGRES_URL)")
        for name, url in databases:
            full = time_full_index(url, chain.rpc_url, chain.data_dir, args.cards)
            results["databases"][name] = {"full_index": full}
            print(f"{name:<10} index {full['cards']:,} cards ({full['events']:,} events) from scratch: "
                  f"{full['seconds']:.2f} s = {full['cards_per_second']:,.0f} cards/s")
        ok = True
        for name, url in databases:
            lag = measure_lag(url, chain, deployed, args.transfers)
            results["databases"][name]["lag"] = lag
            for kind, stats in lag.items():
                met = stats["max"] <= LAG_TARGET_SECONDS
                ok &= met
                print(f"{name:<10} {kind} → index lag over {stats['n']}: p50 {stats['p50'] * 1000:.0f} ms, "
                      f"max {stats['max'] * 1000:.0f} ms (target ≤ {LAG_TARGET_SECONDS:.0f} s: "
                      f"{'met' if met else 'MISSED'})")
        results["targets_met"] = ok
        if args.json:
            import json

            Path(args.json).write_text(json.dumps(results, indent=2, default=float) + "\n", encoding="utf-8")
        return 0 if ok else 1
    finally:
        for drop in drops:
            drop()
        node.stop()


if __name__ == "__main__":
    sys.exit(main())
