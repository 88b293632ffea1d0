"""The lease (backend/workers/lease.py) on SQLite and PostgreSQL: racing claimers get exactly one holder,
a lease whose time ran out is taken over, a released lease is free at once, only the holder renews,
a period claim (no holder) runs once per period, and a heartbeat keeps a lease while work runs.
Time is a ManualClock: no sleep decides an outcome."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from backend.db.models_chain import ChainCursor
from backend.db.models_jobs import JobState
from backend.workers.lease import Lease
from tests.backend.manual_clock import ManualClock

KEY = 424242
SECONDS = 15.0


def cursor_lease(db_sessions, clock, holder=None) -> Lease:
    return Lease(db_sessions, key=ChainCursor.chain_id, until=ChainCursor.lease_until,
                 holder_column=ChainCursor.leader, seconds=SECONDS, holder=holder, clock=clock)


def make_row(lease: Lease) -> None:
    lease.ensure_row(KEY, lambda: ChainCursor(chain_id=KEY, indexed_block=-1))


def row(db_sessions) -> tuple[str | None, float | None]:
    with db_sessions() as session:
        return session.execute(select(ChainCursor.leader, ChainCursor.lease_until)
                               .where(ChainCursor.chain_id == KEY)).one()


def wait_for(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.01)


def test_racing_claimers_get_exactly_one_holder(db_sessions):
    clock = ManualClock()
    leases = [cursor_lease(db_sessions, clock) for _ in range(6)]
    barrier = threading.Barrier(len(leases))
    won: list[str] = []
    errors: list[Exception] = []

    def race(lease: Lease) -> None:
        try:
            barrier.wait()
            make_row(lease)  # every claimer also races to create the row
            if lease.claim(KEY):
                won.append(lease.holder)
        except Exception as exc:  # a claimer must lose, never fail
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(won) == 1
    assert row(db_sessions) == (won[0], clock() + SECONDS)


def test_an_expired_lease_is_taken_over(db_sessions):
    clock = ManualClock()
    crashed, successor = cursor_lease(db_sessions, clock), cursor_lease(db_sessions, clock)
    make_row(crashed)
    assert crashed.claim(KEY)  # then it dies without releasing
    clock.advance(SECONDS - 1)
    assert not successor.claim(KEY)
    clock.advance(1)
    assert successor.claim(KEY)
    assert row(db_sessions)[0] == successor.holder
    assert not crashed.renew(KEY)  # the stalled one cannot carry on as if it still led
    assert not crashed.claim(KEY)


def test_a_holder_claims_again_and_renews_its_own_lease(db_sessions):
    clock = ManualClock()
    holder, other = cursor_lease(db_sessions, clock), cursor_lease(db_sessions, clock)
    make_row(holder)
    assert holder.claim(KEY)
    clock.advance(5)
    assert holder.claim(KEY)  # re-taking one's own lease is not refused
    clock.advance(5)
    assert holder.renew(KEY)
    assert row(db_sessions) == (holder.holder, clock() + SECONDS)
    clock.advance(SECONDS - 1)
    assert not other.claim(KEY)  # the renewal moved the expiry on


def test_renew_by_a_non_holder_fails(db_sessions):
    clock = ManualClock()
    holder, other = cursor_lease(db_sessions, clock), cursor_lease(db_sessions, clock)
    make_row(holder)
    assert not holder.renew(KEY)  # nobody holds it yet: renewing is not claiming
    assert holder.claim(KEY)
    before = row(db_sessions)
    clock.advance(3)
    assert not other.renew(KEY)
    assert not other.release(KEY)
    assert row(db_sessions) == before


def test_release_lets_another_take_it_at_once(db_sessions):
    clock = ManualClock()
    first, second = cursor_lease(db_sessions, clock), cursor_lease(db_sessions, clock)
    make_row(first)
    assert first.claim(KEY)
    assert not second.claim(KEY)
    assert first.release(KEY)
    assert second.claim(KEY)  # no time passed
    assert row(db_sessions)[0] == second.holder
    assert not first.renew(KEY)


def test_a_new_leader_frees_the_leases_of_other_holders_and_keeps_its_own(db_sessions):
    clock = ManualClock()
    dead, leader = cursor_lease(db_sessions, clock, holder="dead"), cursor_lease(db_sessions, clock, holder="new")
    make_row(dead)
    leader.ensure_row(KEY + 1, lambda: ChainCursor(chain_id=KEY + 1, indexed_block=-1))
    assert dead.claim(KEY) and leader.claim(KEY + 1)
    assert not leader.claim(KEY)  # still the dead holder's for SECONDS
    assert leader.free_others(where=[ChainCursor.chain_id.in_((KEY, KEY + 1))]) == 1
    assert leader.claim(KEY)  # no time passed
    assert not dead.renew(KEY)  # had it been alive, its next renewal says it lost the lease
    with db_sessions() as session:
        assert session.scalar(select(ChainCursor.leader).where(ChainCursor.chain_id == KEY + 1)) == "new"


def test_a_claim_inside_a_rolled_back_transaction_takes_nothing(db_sessions):
    """The indexer renews inside the write it guards: if that write fails, the renewal is undone with it."""
    clock = ManualClock()
    first, second = cursor_lease(db_sessions, clock), cursor_lease(db_sessions, clock)
    make_row(first)
    with first.transaction() as session:
        assert first.claim(KEY, session=session)
        session.rollback()
    assert second.claim(KEY)


def test_a_period_claim_runs_once_per_period(db_sessions):
    periods = [Lease(db_sessions, key=JobState.name, until=JobState.next_run_at, seconds=60) for _ in range(2)]
    periods[0].ensure_row("nightly", lambda: JobState(name="nightly", next_run_at=0, last_result="", last_error="",
                                                      runs=0, failures=0))
    assert periods[0].claim("nightly", now=1_000)
    assert not periods[0].claim("nightly", now=1_000)  # no holder: claiming again is no re-entry
    assert not periods[1].claim("nightly", now=1_059)
    assert periods[1].claim("nightly", now=1_060)
    with pytest.raises(TypeError):
        periods[1].renew("nightly")


def test_a_heartbeat_keeps_the_lease_and_stops_when_it_is_taken_over(db_sessions):
    clock = ManualClock()
    worker, other = cursor_lease(db_sessions, clock), cursor_lease(db_sessions, clock)
    make_row(worker)
    assert worker.claim(KEY)
    with worker.kept(KEY, every=0.02) as heartbeat:
        clock.advance(100)
        wait_for(lambda: row(db_sessions) == (worker.holder, clock() + SECONDS), "the heartbeat renewed the lease")
        assert not other.claim(KEY)
        with other.transaction() as session:  # its holder stalls: the lease runs out, and another takes it
            # (in one transaction, so no renewal lands between the two)
            session.get(ChainCursor, KEY).lease_until = clock() - 1
            session.flush()
            assert other.claim(KEY, session=session)
        wait_for(lambda: not heartbeat.running, "the heartbeat stopped once the lease was lost")
        assert row(db_sessions)[0] == other.holder
