"""Verify-and-redeem against a real database (SQLite and PostgreSQL): rules, single use, real concurrency."""

import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.db.models_perks import Redemption
from backend.perks.rules import JST
from backend.venues.redeem import Redeemer
from tests.backend.perks_setup import build_world, checksum

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def world(db_url):
    w = build_world(db_url)
    yield w
    w.engine.dispose()


@pytest.fixture
def redeemer(world):
    return Redeemer(world.engine, world.signer)


def redemptions(world) -> int:
    with world.sessions() as s:
        return s.scalar(select(func.count()).select_from(Redemption))


def test_a_valid_pass_is_redeemed_once_with_what_the_desk_needs(world, redeemer):
    r = redeemer.redeem(world.pass_for("cave", token_id=3), world.cave)
    assert r.verdict.ok, r.verdict
    d = r.as_dict()
    assert d["reason_code"] == "ok" and d["message_ja"] and d["message_en"]
    assert d["perk"]["name_ja"] == "cave（特典）" and d["perk"]["name_en"] == "cave perk"
    assert d["card"] == {"token_id": 3, "resident_number": 3, "tier": 1}
    assert d["index"]["stale"] is False and d["index"]["indexed_block"] == 10
    assert d["redeemed_at"] is not None
    assert redemptions(world) == 1


def test_a_replayed_pass_is_refused(world, redeemer):
    text = world.pass_for("both")
    assert redeemer.redeem(text, world.cave).verdict.ok
    again = redeemer.redeem(text, world.cowork)
    assert not again.verdict.ok and again.verdict.reason_code == "pass_used"
    assert "JST" in again.verdict.message_en
    assert redemptions(world) == 1


def test_a_venue_cannot_redeem_another_venues_perk(world, redeemer):
    r = redeemer.redeem(world.pass_for("cowork"), world.cave)
    assert r.verdict.reason_code == "wrong_venue" and r.verdict.message_ja
    assert redemptions(world) == 0


def test_an_online_perk_is_not_redeemed_at_a_desk(world, redeemer):
    assert redeemer.redeem(world.pass_for("forum"), world.cave).verdict.reason_code == "wrong_venue"


def test_a_forged_or_expired_pass_is_refused_without_writing(world, redeemer):
    from backend.venues.passes import PassSigner

    forged, _ = PassSigner("another-secret", 31337).issue(contract=world.signer and "0x" + "11" * 20, token_id=1,
                                                          owner=world.owner(1), perk_id=world.perks["cave"])
    assert redeemer.redeem(forged, world.cave).verdict.reason_code == "pass_forged"
    old = world.pass_for("cave", now=time.time() - 3600)
    assert redeemer.redeem(old, world.cave).verdict.reason_code == "pass_expired"
    assert redeemer.redeem("not a pass", world.cave).verdict.reason_code == "pass_malformed"
    assert redemptions(world) == 0


def test_a_card_transferred_after_the_pass_was_made_is_refused(world, redeemer):
    text = world.pass_for("cave", token_id=2)
    world.set_card(2, owner=checksum("0x" + "ab" * 20))
    r = redeemer.redeem(text, world.cave)
    assert r.verdict.reason_code == "card_transferred" and r.verdict.message_ja


@pytest.mark.parametrize("status", ["revoked", "opted_out", "reissued", "burned"])
def test_a_card_revoked_after_the_pass_was_made_is_refused(world, redeemer, status):
    text = world.pass_for("cave", token_id=2)
    world.set_card(2, status=status)
    assert redeemer.redeem(text, world.cave).verdict.reason_code == f"card_{status}"


def test_an_expired_card_is_refused(world, redeemer):
    world.set_card(4, expires_at=int(time.time()) - 1)
    assert redeemer.redeem(world.pass_for("cave", token_id=4), world.cave).verdict.reason_code == "card_expired"


def test_minimum_tier_is_checked_at_the_desk(world, redeemer):
    assert redeemer.redeem(world.pass_for("cave_premium", token_id=2), world.cave).verdict.reason_code \
        == "tier_too_low"
    assert redeemer.redeem(world.pass_for("cave_premium", token_id=3), world.cave).verdict.ok


def test_an_unknown_card_is_refused(world, redeemer):
    assert redeemer.redeem(world.pass_for("cave", token_id=999), world.cave).verdict.reason_code == "card_unknown"


def test_once_a_day_resets_at_midnight_japan_time(world, redeemer):
    evening = datetime.now(JST).replace(hour=23, minute=58, second=0, microsecond=0).timestamp()
    first = world.pass_for("cave", token_id=5, now=evening)
    second = world.pass_for("cave", token_id=5, now=evening)
    assert redeemer.redeem(first, world.cave, now=evening).verdict.ok
    r = redeemer.redeem(second, world.cave, now=evening + 30)
    assert r.verdict.reason_code == "limit_day"
    third = world.pass_for("cave", token_id=5, now=evening + 100)
    assert redeemer.redeem(third, world.cave, now=evening + 119).verdict.reason_code == "limit_day"
    assert redeemer.redeem(third, world.cave, now=evening + 120).verdict.ok  # 00:00 in Japan


def test_n_a_year(world, redeemer):
    results = [redeemer.redeem(world.pass_for("cowork", token_id=6), world.cowork).verdict.reason_code
               for _ in range(3)]
    assert results == ["ok", "ok", "limit_year"]


def test_a_stale_index_still_answers_and_says_so(world):
    from sqlalchemy import update

    from backend.db.models_chain import ChainCursor

    with world.sessions() as s:
        s.execute(update(ChainCursor).values(synced_at=int(time.time()) - 120))
        s.commit()
    r = Redeemer(world.engine, world.signer, stale_after=10).redeem(world.pass_for("cave"), world.cave)
    assert r.verdict.ok
    assert r.index["stale"] is True and r.index["lag_seconds"] >= 119


def race(redeemer, jobs):
    """Runs redeem calls at the same moment in threads (each with its own DB connection)."""
    barrier = threading.Barrier(len(jobs))
    out = [None] * len(jobs)

    def run(i, text, venue):
        barrier.wait()
        out[i] = redeemer.redeem(text, venue).verdict.reason_code

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


def test_two_venues_scanning_one_pass_at_once_redeem_it_exactly_once(world, redeemer):
    for round_ in range(5):
        text = world.pass_for("both", token_id=round_ + 1)
        codes = race(redeemer, [(text, world.cave if i % 2 else world.cowork) for i in range(8)])
        assert codes.count("ok") == 1, codes
        assert codes.count("pass_used") == 7, codes
    assert redemptions(world) == 5


def test_different_passes_racing_for_the_last_use_of_the_day_get_it_once(world, redeemer):
    passes = [world.pass_for("cave", token_id=7) for _ in range(8)]
    codes = race(redeemer, [(p, world.cave) for p in passes])
    assert codes.count("ok") == 1 and codes.count("limit_day") == 7, codes


def test_a_backend_killed_mid_redemption_leaves_no_half_written_redemption(world, db_url):
    """A process inserts the redemption and dies (SIGKILL) before committing: nothing is kept, and the pass
    still works afterwards."""
    text = world.pass_for("cave", token_id=8)
    script = f"""
import os, signal
from backend.db import make_engine
from backend.venues.passes import PassSigner
from backend.venues.redeem import Redeemer
from tests.backend.perks_setup import SECRET, CHAIN_ID

class DiesAtCommit:
    def __init__(self, conn):
        self.conn = conn
    def __getattr__(self, name):
        return getattr(self.conn, name)
    def commit(self):
        # the INSERT has run in this transaction; the process dies before COMMIT
        os.kill(os.getpid(), signal.SIGKILL)

attempt = Redeemer._attempt
Redeemer._attempt = lambda self, conn, *args: attempt(self, DiesAtCommit(conn), *args)
Redeemer(make_engine({db_url!r}), PassSigner(SECRET, CHAIN_ID)).redeem({text!r}, {world.cave})
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests' / 'backend'}"},
                          capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    assert redemptions(world) == 0
    assert Redeemer(world.engine, world.signer).redeem(text, world.cave).verdict.ok


def test_a_connection_the_server_dropped_costs_no_scan(world, db_url):
    """The desk's pool skips pre-ping on PostgreSQL: a dropped connection is replaced within the scan.
    (On SQLite, where there is no server, the pool's connections are closed instead.)"""
    from backend.db.session import make_engine
    from sqlalchemy import text

    engine = make_engine(str(world.engine.url.render_as_string(hide_password=False)), pool_pre_ping=False,
                         pool_size=1, max_overflow=0)
    redeemer = Redeemer(engine, world.signer)
    assert redeemer.redeem(world.pass_for("cave", token_id=3), world.cave).verdict.ok
    if db_url.startswith("postgresql"):
        with world.engine.connect() as admin:  # terminate the pooled connection, as a server restart would
            admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    else:
        engine.dispose()
    second = redeemer.redeem(world.pass_for("cave", token_id=4), world.cave)
    assert second.verdict.ok, second.verdict
    assert redemptions(world) == 2
    engine.dispose()
