"""Civic timings against the real app in process (a measurement, not a test).

    python bench/civic.py [--voters 300] [--revoke 20] [--postgres URL] [--json FILE]

1. Fresh anvil, one collection, `--voters` holders with a card each (issueBatch), indexed by the real indexer
   into a fresh database (SQLite by default).
2. Every holder signs in (SIWE), fetches the EIP-712 ballot, signs it with eth-account and casts it:
   latency of POST /polls/{id}/ballots (signature recovery, eligibility, UNIQUE insert) p50/p99.
3. Results with turnout, and the CSV, over all ballots.
4. Inactivity: every card aged 800 days; the run that notices them all; then `--revoke` of them past the
   notice period revoked on chain one transaction each (anvil, instant mining).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--revoke", type=int, default=20)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    from fastapi.testclient import TestClient
    from pydantic import SecretStr
    from sqlalchemy import update

    from tests.backend.access_setup import bearer, sign_in
    from backend.app import create_app
    from backend.db.models_chain import Card
    from backend.db.models_civic import HolderActivity
    from backend.settings import Settings
    from tests.backend.civic_setup import answers_for, poll_body
    from tests.backend.conftest import _create_postgres_database
    from tests.backend.localchain import ANVIL_KEYS, Anvil, LocalChain
    from tests.backend.perks_setup import collection_id_of, municipality_id_of, staff_headers

    out: dict = {"voters": args.voters, "database": "postgresql" if args.postgres else "sqlite"}
    anvil = Anvil()
    drop = None
    try:
        data_dir = Path(tempfile.mkdtemp(prefix="civic-bench-"))
        chain = LocalChain(anvil.url, data_dir)
        col = chain.deploy("CIVBENCH", name_ja="ベンチ町", name_en="Bench Town")
        holders = [chain.new_holder(ether=1) for _ in range(args.voters)]
        for start in range(0, len(holders), 200):
            col.issue_batch([h.address for h in holders[start:start + 200]])
        if args.postgres:
            db_url, drop = _create_postgres_database(args.postgres)
        else:
            db_url = f"sqlite:///{data_dir / 'resident.db'}"
        settings = Settings(_env_file=None, environment="test", rpc_url=anvil.url, chain_id=31337, data_dir=data_dir,
                            database_url=db_url, poll_interval=0.05, issuer_key=SecretStr(ANVIL_KEYS[0]),
                            jobs_enabled=False)
        app = create_app(settings)
        with TestClient(app, headers={"Origin": "http://testserver"}) as client:  # as our pages send it
            app.state.services.indexer.catch_up(120)
            mid, cid = municipality_id_of(app, col), collection_id_of(app, col)
            staff = staff_headers(client, app)

            class Town:  # what civic_setup.poll_body needs
                pass
            town = Town()
            town.cid = cid
            poll = client.post(f"/staff/municipalities/{mid}/polls", json=poll_body(town), headers=staff).json()
            tokens = {}
            for token_id in range(1, args.voters + 1):
                tokens[col.contract.functions.ownerOf(token_id).call()] = token_id
            latencies = []
            started = time.perf_counter()
            for holder in holders:
                headers = bearer(sign_in(client, holder).json()["token"])
                token = tokens[holder.address]
                answers = answers_for(poll, single=token % 3, multiple=(token % 3,), text=f"意見 {token}")
                typed = client.get(f"/polls/{poll['id']}/ballot",
                                   params={"card": token, "answers": json.dumps(answers)}, headers=headers).json()
                signature = "0x" + bytes(holder.sign_typed_data(full_message=typed["typed_data"]).signature).hex()
                t0 = time.perf_counter()
                r = client.post(f"/polls/{poll['id']}/ballots", headers=headers,
                                json={"card": token, "answers": answers, "signature": signature})
                latencies.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 201, r.text
            out["cast_p50_ms"] = round(statistics.median(latencies), 2)
            out["cast_p99_ms"] = round(pct(latencies, 0.99), 2)
            out["voters_per_s_incl_signin"] = round(args.voters / (time.perf_counter() - started), 1)

            t0 = time.perf_counter()
            results = client.get(f"/staff/polls/{poll['id']}/results", headers=staff).json()
            out["results_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            assert results["voters"] == args.voters and results["turnout"] == 1.0
            t0 = time.perf_counter()
            csv = client.get(f"/staff/polls/{poll['id']}/results.csv", headers=staff)
            out["csv_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            out["csv_bytes"] = len(csv.content)

            then = int(time.time()) - 800 * 86400
            with app.state.services.session_factory() as db:
                db.execute(update(HolderActivity).values(last_active_at=then))
                db.execute(update(Card).where(Card.collection_id == cid).values(holding_since=then))
                db.commit()
            client.put(f"/staff/municipalities/{mid}/inactivity", headers=staff,
                       json={"enabled": True, "inactive_days": 730, "notice_days": 60})
            t0 = time.perf_counter()
            report = client.post(f"/staff/municipalities/{mid}/inactivity/run", headers=staff).json()
            out["notice_run_s"] = round(time.perf_counter() - t0, 2)
            out["noticed"] = report["noticed"]
            # Only `--revoke` cards stay quiet; the others answer their notice with activity.
            with app.state.services.session_factory() as db:
                quiet = [h.address for h in holders[:args.revoke]]
                db.execute(update(HolderActivity).where(HolderActivity.address.notin_(quiet))
                           .values(last_active_at=int(time.time())))
                db.commit()
            app.state.services.clock = lambda: time.time() + 61 * 86400
            t0 = time.perf_counter()
            report = client.post(f"/staff/municipalities/{mid}/inactivity/run", headers=staff).json()
            elapsed = time.perf_counter() - t0
            out["revoked"] = len(report["revoked"])
            out["cancelled"] = report["cancelled"]
            out["revoke_run_s"] = round(elapsed, 2)
            out["per_revocation_ms"] = round(elapsed * 1000 / max(1, len(report["revoked"])), 1)
    finally:
        anvil.stop()
        if drop:
            drop()
    print(json.dumps(out, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
