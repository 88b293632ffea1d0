"""Venue verify-and-redeem throughput against the running backend (issue 4; a measurement, not a test).

    python bench/venue.py [--cards 10000] [--clients 64] [--seconds 20] [--workers N] [--postgres URL] [--json FILE]

1. Starts a fresh anvil, deploys a collection, issues `--cards` cards (issueBatch) and indexes them
   with the real indexer into a fresh database (SQLite by default; PostgreSQL with --postgres).
2. Seeds a venue, an unlimited perk it may redeem and a venue login, then starts the backend with
   uvicorn (`--workers`, uvloop + httptools) exactly as `make run` would, and signs the venue in.
3. `--clients` concurrent clients (one asyncio process, raw HTTP/1.1 keep-alive connections, so the
   load generator stays cheap) POST /venue/redeem with distinct passes for random cards for
   `--seconds`; every answer is checked (HTTP 200 and ok=true). Prints throughput and p50/p99 latency.
4. Same load against the same backend code with the per-request-RPC variant (holder and validity
   asked of the chain through backend/chain/client.py on every request instead of the index).
Targets (2-core machine): >= 1,000 redemptions/s, p99 <= 50 ms, >= 10x the per-request-RPC variant.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 500
PASS_SECRET = "bench-pass-secret-0123456789abcdef0123"
VENUE_LOGIN, VENUE_PASSWORD = "bench-desk", "bench-desk-password"
TARGET_RPS, TARGET_P99_MS, TARGET_RATIO = 1000, 50.0, 10.0


def fresh_addresses(start: int, count: int) -> list[str]:
    from eth_utils import keccak, to_checksum_address

    return [to_checksum_address(keccak(b"resident-venue-bench-%d" % i)[:20]) for i in range(start, start + count)]


def backend_env(database_url: str, rpc_url: str, data_dir: Path) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RESIDENT_ENVIRONMENT": "development",
        "RESIDENT_DATABASE_URL": database_url,
        "RESIDENT_RPC_URL": rpc_url,
        "RESIDENT_CHAIN_ID": "31337",
        "RESIDENT_DATA_DIR": str(data_dir),
        "RESIDENT_PASS_SECRET": PASS_SECRET,
        "RESIDENT_AUTO_MIGRATE": "false",
    }


def _rpc_app(make_reader):
    from backend.app import create_app
    from backend.chain.client import Chain
    from backend.chain.deployments import DeploymentRecord
    from backend.settings import Settings
    from backend.venues.redeem import Redeemer

    app = create_app(Settings())
    settings = app.state.services.settings
    chain = Chain(settings.rpc_url)
    records = {}
    for path in settings.deployments_dir.glob("*.json"):
        record = DeploymentRecord.read(path)
        records[record.address] = record
    services = app.state.services
    services.redeemer = Redeemer(services.engine, services.pass_signer, stale_after=settings.stale_after,
                                 chain_reader=make_reader(chain, records), head=services.redeemer.head)
    return app


def rpc_variant_app():
    """The backend with a per-request-RPC redeemer: holder and validity come from the chain every time,
    through backend/chain/client.py's `read_card` (web3 contract calls: isValid, ownerOf, cardOf)."""

    from backend.chain.deployments import contract_for

    def make_reader(chain, records):
        contracts = {address: contract_for(chain, record) for address, record in records.items()}
        return lambda address, token_id: chain.read_card(contracts[address], token_id)

    return _rpc_app(make_reader)


def lean_rpc_variant_app():
    """The per-request-RPC redeemer at its cheapest: the same three calls as raw `eth_call`s with
    pre-computed calldata through `Chain.request` (no web3 ABI machinery), so the comparison measures the
    round trips to the node, not web3.py's overhead."""
    from eth_utils import keccak, to_checksum_address

    from backend.chain.client import OnChainCard
    from backend.errors import ChainError

    selectors = {name: keccak(text=signature)[:4].hex() for name, signature in
                 (("isValid", "isValid(uint256)"), ("ownerOf", "ownerOf(uint256)"), ("cardOf", "cardOf(uint256)"))}

    def make_reader(chain, records):
        def call(address, name, token_id):
            data = "0x" + selectors[name] + token_id.to_bytes(32, "big").hex()
            return bytes.fromhex(chain.request("eth_call", [{"to": address, "data": data}, "latest"])[2:])

        def read(address, token_id):
            try:
                owner = to_checksum_address(call(address, "ownerOf", token_id)[12:32])
            except ChainError as exc:
                if "revert" in str(exc).lower() or "execution" in str(exc).lower():
                    return OnChainCard(token_id, None, False)
                raise
            valid = call(address, "isValid", token_id)[31] == 1
            words = call(address, "cardOf", token_id)
            number, tier, locked, issued_at, expires_at = (int.from_bytes(words[i:i + 32], "big")
                                                           for i in range(0, 160, 32))
            return OnChainCard(token_id, owner, valid, number, tier, issued_at, expires_at, bool(locked))

        return read

    return _rpc_app(make_reader)


def prepare(args, work: Path):
    """Chain, cards, index, venue, perk, venue login. Returns what the load needs."""
    from sqlalchemy import func, select

    from backend.db import make_engine, migrate, session_factory
    from backend.db.models_chain import Card, Collection
    from backend.db.models_perks import Perk, PerkVenue, Venue
    from backend.chain.indexer.indexer import Indexer
    from backend.chain.deployments import register_deployments
    from backend.settings import Settings
    from backend.venues.accounts import create_account
    from tests.backend.localchain import Anvil, LocalChain

    node = Anvil()
    chain = LocalChain(node.url, work / "data")
    deployed = chain.deploy("VENUEBENCH", soulbound=True, max_cards_per_wallet=1, name_ja="美祢市",
                            name_en="Mine City")
    holders = fresh_addresses(0, args.cards)
    started = time.perf_counter()
    for start in range(0, args.cards, BATCH):
        deployed.issue_batch(holders[start:start + BATCH], tier=1)
    print(f"issued {args.cards:,} cards in {time.perf_counter() - started:.1f} s", flush=True)

    url = args.database_url or f"sqlite:///{work / 'data' / 'resident.db'}"
    migrate(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    settings = Settings(_env_file=None, environment="development", rpc_url=node.url, chain_id=31337,
                        data_dir=work / "data", database_url=url)
    with sessions() as db:
        register_deployments(db, settings.deployments_dir, 31337)
        db.commit()
    started = time.perf_counter()
    Indexer(settings, sessions).catch_up(timeout=600)
    with sessions() as db:
        indexed = db.scalar(select(func.count()).select_from(Card))
        collection = db.scalar(select(Collection).where(Collection.address == deployed.address))
        venue = Venue(municipality_id=collection.municipality_id, name_ja="秋芳洞", name_en="Akiyoshi-do Cave")
        db.add(venue)
        db.flush()
        perk = Perk(collection_id=collection.id, name_ja="ベンチ特典", name_en="Bench perk", description_ja="",
                    description_en="", kind="discount", min_tier=0, soulbound_only=False, min_holding_days=0,
                    limit_count=None, limit_period="unlimited", active=True)
        db.add(perk)
        db.flush()
        db.add(PerkVenue(perk_id=perk.id, venue_id=venue.id))
        create_account(db, venue, VENUE_LOGIN, VENUE_PASSWORD)
        db.commit()
        perk_id = perk.id
    engine.dispose()
    print(f"indexed {indexed:,} cards in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})", flush=True)
    return node, chain, deployed, url, settings, perk_id, holders


def start_backend(factory: str, env: dict, port: int, workers: int) -> subprocess.Popen:
    import urllib.request

    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
         "--log-level", "warning"], env=env, cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2) as r:
                if r.status == 200:
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the backend did not start")
        time.sleep(0.2)


def stop_backend(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def venue_token(port: int) -> str:
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}/venue/login", method="POST",
                                     data=json.dumps({"login": VENUE_LOGIN, "password": VENUE_PASSWORD}).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.loads(r.read())["token"]


class RedeemClient(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection posting /venue/redeem back to back until the deadline.

    A bare asyncio Protocol (no streams, no HTTP library) so that the load generator costs little CPU
    next to the server on the same two cores.
    """

    def __init__(self, head: bytes, passes, deadline: float, latencies: list, failures: list, done) -> None:
        self.head, self.passes, self.deadline = head, passes, deadline
        self.latencies, self.failures, self.done = latencies, failures, done
        self.buffer = b""
        self.count = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.send()

    def send(self) -> None:
        body = b'{"pass":"' + next(self.passes).encode() + b'"}'
        self.started = time.perf_counter()
        self.transport.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        headers = self.buffer[:end].lower()
        at = headers.find(b"content-length:")
        length = int(headers[at + 15:headers.find(b"\r\n", at) if headers.find(b"\r\n", at) > 0 else None])
        if len(self.buffer) < end + 4 + length:
            return
        payload = self.buffer[end + 4:end + 4 + length]
        self.buffer = self.buffer[end + 4 + length:]
        now = time.perf_counter()
        self.latencies.append(now - self.started)
        self.count += 1
        if not headers.startswith(b"http/1.1 200") or not payload.startswith(b'{"ok":true'):
            self.failures.append(headers.split(b"\r\n")[0].decode() + " " + payload[:200].decode(errors="replace"))
        if now < self.deadline:
            self.send()
        else:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(self.count)


async def one_client(port: int, token: str, passes, deadline: float, latencies: list, failures: list) -> int:
    loop = asyncio.get_running_loop()
    head = (f"POST /venue/redeem HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: ").encode()
    done = loop.create_future()
    await loop.create_connection(lambda: RedeemClient(head, passes, deadline, latencies, failures, done),
                                 "127.0.0.1", port)
    return await done


def make_passes(contract: str, holders: list[str], perk_id: int):
    """Distinct passes for random cards, made on demand (an HMAC each: microseconds)."""
    from backend.venues.passes import PassSigner

    signer = PassSigner(PASS_SECRET, 31337, ttl=600)
    rng = random.Random(7)
    while True:
        token_id = rng.randrange(1, len(holders) + 1)
        text, _ = signer.issue(contract=contract, token_id=token_id, owner=holders[token_id - 1], perk_id=perk_id)
        yield text


async def run_load(port: int, token: str, passes, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    # a short warm-up so connection setup and first-request costs are not measured
    await asyncio.gather(*(one_client(port, token, passes, time.perf_counter() + 0.5, [], failures)
                           for _ in range(clients)))
    failures.clear()
    started = time.perf_counter()
    counts = await asyncio.gather(*(one_client(port, token, passes, started + seconds, latencies, failures)
                                    for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {
        "requests": sum(counts),
        "seconds": round(elapsed, 2),
        "throughput_per_s": round(sum(counts) / elapsed, 1),
        "ok": n - len(failures),
        "failed": len(failures),
        "failure_sample": failures[:3],
        "p50_ms": round(latencies[n // 2] * 1000, 2) if n else None,
        "p99_ms": round(latencies[min(n - 1, int(n * 0.99))] * 1000, 2) if n else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if n else None,
    }


def run(coroutine):
    """asyncio.run on uvloop when installed (cheaper per request)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def load(factory: str, env: dict, args, settings, contract, holders, perk_id, seconds: float) -> dict:
    from tests.backend.localchain import free_port

    port = free_port()
    backend = start_backend(factory, env, port, args.workers)
    try:
        token = venue_token(port)
        # Made before the clock starts (an HMAC and 16 random bytes each), so the load generator spends its
        # CPU on requests; made on demand only if the server outruns 6,000 scans/s.
        made = make_passes(contract, holders, perk_id)
        passes = itertools.chain([next(made) for _ in range(int(6000 * (seconds + 1)))], made)
        return run(run_load(port, token, passes, args.clients, seconds))
    finally:
        stop_backend(backend)


def report(name: str, r: dict) -> None:
    print(f"{name:<38}: {r['throughput_per_s']:8,.0f} redemptions/s  p50 {r['p50_ms']:7.1f} ms  "
          f"p99 {r['p99_ms']:7.1f} ms  ({r['requests']:,} requests, {r['failed']} failed)", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rpc-seconds", type=float, default=None, help="duration of the RPC variant (default: same)")
    parser.add_argument("--workers", type=int, default=None,
                        help="uvicorn workers (default 1 on SQLite: it has one writer lock, and a second process "
                             "only adds lock waits whose sleeps (1 ms and up) stall its event loop, the p99 tail; "
                             "4 on PostgreSQL: each scan waits on round trips, more workers overlap them)")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL: bench on a fresh database there")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--index-only", action="store_true", help="skip the per-request-RPC variants")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="resident-venue-bench-"))
    drop = None
    args.database_url = None
    if args.postgres:
        from indexer import postgres_database  # bench/indexer.py

        args.database_url, drop = postgres_database(args.postgres)
    if args.workers is None:
        args.workers = 4 if args.postgres else 1
    node = None
    try:
        node, chain, deployed, url, settings, perk_id, holders = prepare(args, work)
        env = backend_env(url, node.url, work / "data")
        print(f"load: {args.clients} clients x {args.seconds:.0f} s, backend uvicorn --workers {args.workers} "
              f"(uvloop, httptools)", flush=True)
        indexed = load("backend.app:create_app", env, args, settings, deployed.address, holders, perk_id,
                       args.seconds)
        report("index", indexed)
        if args.index_only:
            return 0
        rpc = load("bench.venue:rpc_variant_app", env, args, settings, deployed.address, holders, perk_id,
                   args.rpc_seconds or args.seconds)
        report("per-RPC (backend/chain/client.py read_card)", rpc)
        lean = load("bench.venue:lean_rpc_variant_app", env, args, settings, deployed.address, holders, perk_id,
                    args.rpc_seconds or args.seconds)
        report("per-RPC (raw eth_call, lean)", lean)
        ratio = indexed["throughput_per_s"] / max(rpc["throughput_per_s"], 1e-9)
        lean_ratio = indexed["throughput_per_s"] / max(lean["throughput_per_s"], 1e-9)
        targets = {
            "throughput": indexed["throughput_per_s"] >= TARGET_RPS,
            "p99": indexed["p99_ms"] is not None and indexed["p99_ms"] <= TARGET_P99_MS,
            "ratio": ratio >= TARGET_RATIO,
            "no_failures": indexed["failed"] == 0 and rpc["failed"] == 0 and lean["failed"] == 0,
        }
        print(f"index / per-RPC throughput: {ratio:.1f}x (read_card), {lean_ratio:.1f}x (lean raw eth_call)")
        print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in targets.items()))
        print(f"load average during the run (other work on this machine): {os.getloadavg()[0]:.2f}")
        for r in (indexed, rpc, lean):
            if r["failed"]:
                print("failure samples:", r["failure_sample"])
        result = {"cards": args.cards, "clients": args.clients, "seconds": args.seconds, "workers": args.workers,
                  "database": url.split(":")[0], "index": indexed, "per_request_rpc": rpc,
                  "per_request_rpc_lean": lean, "ratio": round(ratio, 1), "ratio_lean": round(lean_ratio, 1),
                  "targets": targets, "cpus": os.cpu_count(), "loadavg_1min": os.getloadavg()[0]}
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        return 0 if all(targets.values()) else 1
    finally:
        if node is not None:
            node.stop()
        if drop is not None:
            drop()


if __name__ == "__main__":
    sys.exit(main())
