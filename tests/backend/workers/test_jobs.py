"""Periodic jobs (backend/workers/jobs.py) on SQLite and PostgreSQL: a due run is claimed by exactly one
runner sharing the database, it is not due again before its period, failures are recorded and do
not stop the other jobs, and a staff "run now" runs at once."""

from __future__ import annotations

import threading

from backend.workers.jobs import Job, JobRunner


def test_a_period_runs_once_across_runners(db_sessions):
    calls = []
    lock = threading.Lock()

    def work(context):
        with lock:
            calls.append(context.now)
        return "did it"

    job = Job("count", every=60, run=work)
    runners = [JobRunner(None, db_sessions, None, [job]) for _ in range(4)]
    barrier = threading.Barrier(len(runners))
    outcomes = []

    def tick(runner):
        barrier.wait()
        outcomes.extend(runner.tick(now=1_000))

    threads = [threading.Thread(target=tick, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1_000]
    assert sum(o.ran for o in outcomes) == 1
    # Not due again inside the period; due once it has passed.
    assert not runners[0].tick(now=1_059)[0].ran
    assert runners[1].tick(now=1_060)[0].ran
    assert calls == [1_000, 1_060]
    with db_sessions() as session:
        (state,) = runners[0].states(session)
        assert (state.name, state.runs, state.failures, state.last_result) == ("count", 2, 0, "did it")


def test_a_failing_job_is_recorded_and_the_others_still_run(db_sessions):
    def broken(_context):
        raise RuntimeError("RPC down")

    done = []
    runner = JobRunner(None, db_sessions, None, [Job("broken", 10, broken),
                                                  Job("fine", 10, lambda c: done.append(c.now) or "ok")])
    outcomes = {o.name: o for o in runner.tick(now=50)}
    assert outcomes["broken"].error == "RuntimeError: RPC down"
    assert outcomes["fine"].result == "ok" and done == [50]
    with db_sessions() as session:
        states = {s.name: s for s in runner.states(session)}
    assert states["broken"].failures == 1 and "RPC down" in states["broken"].last_error
    assert states["fine"].failures == 0 and states["fine"].last_error == ""


def test_run_now_ignores_the_schedule(db_sessions):
    seen = []
    job = Job("now", every=3600, run=lambda c: seen.append(c.now) or f"at {c.now}")
    runner = JobRunner(None, db_sessions, None, [job])
    assert runner.tick(now=10)[0].ran
    outcome = runner.run_now(job, now=20)
    assert outcome.result == "at 20" and seen == [10, 20]


def test_staff_see_jobs_and_only_a_superuser_runs_one(client, app, chain_with_collection, sync_index):
    from tests.backend.access_setup import assert_error
    from tests.backend.perks_setup import municipality_id_of, staff_headers

    sync_index()
    ran = []
    # The deployment's own jobs are listed too (premium renewals, inactivity); add one we can watch.
    assert {"premium_renewals", "civic.inactivity"} <= {job.name for job in app.state.services.jobs.jobs}
    mid = municipality_id_of(app, chain_with_collection.collection)
    app.state.services.jobs.jobs.append(Job("demo-job", every=3600, run=lambda c: ran.append(c.now) or "3 cards renewed",
                                            municipality_id=mid))
    viewer = staff_headers(client, app, "jobviewer", mid, "viewer")
    client.cookies.clear()
    listed = {j["name"]: j for j in client.get("/staff/jobs", headers=viewer).json()}
    assert listed["demo-job"]["runs"] == 0 and listed["premium_renewals"]["every_seconds"] == 3600
    assert_error(client.post("/staff/jobs/demo-job/run", headers=viewer), 403, "superuser_only")
    root = staff_headers(client, app)
    client.cookies.clear()
    assert_error(client.post("/staff/jobs/nope/run", headers=root), 404, "job_not_found")
    answer = client.post("/staff/jobs/demo-job/run", headers=root).json()
    assert answer == {"name": "demo-job", "result": "3 cards renewed", "error": ""} and len(ran) == 1
    listed = {j["name"]: j for j in client.get("/staff/jobs", headers=viewer).json()}
    assert listed["demo-job"]["runs"] == 1 and listed["demo-job"]["last_result"] == "3 cards renewed"


def test_the_job_loop_runs_each_period_once_and_survives_a_failing_tick(db_sessions):
    import time

    from backend.workers.jobs import job_loop
    from tests.backend.manual_clock import ManualClock

    clock, ran = ManualClock(10_000), []
    runner = JobRunner(None, db_sessions, None, [Job("every-minute", 60, lambda c: ran.append(c.now) or "ok")],
                       clock=clock)
    real_tick, ticks = runner.tick, []

    def tick(now=None):
        ticks.append(now)
        if len(ticks) == 2:
            raise RuntimeError("database away")  # the loop must carry on
        return real_tick(now)

    runner.tick = tick
    loop = job_loop(runner, 0.01)

    def wait_for(predicate):
        deadline = time.monotonic() + 10
        while not predicate():
            assert time.monotonic() < deadline, (ran, ticks)
            time.sleep(0.01)

    loop.start()
    try:
        wait_for(lambda: len(ticks) >= 5)
        assert ran == [10_000]  # ticked often, ran once in the period
        clock.advance(60)
        wait_for(lambda: len(ran) == 2)
        assert ran == [10_000, 10_060]
    finally:
        loop.stop()


def test_the_worker_kit_imports_no_domain_package():
    """Dependencies point down: domains declare jobs with backend.workers; the kit knows only the database."""
    import ast
    from pathlib import Path

    import backend.workers

    allowed = ("backend.db", "backend.workers")
    for path in Path(backend.workers.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                if name.startswith("backend"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"


def test_staff_see_only_their_municipalities_jobs_and_no_global_job_details(client, app, sync_index):
    from backend.db.models_chain import Municipality
    from tests.backend.perks_setup import staff_headers

    with app.state.services.session_factory() as db:
        towns = [Municipality(slug=slug, name_ja=slug, name_en=slug) for slug in ("mine-jobs", "hagi-jobs")]
        db.add_all(towns)
        db.commit()
        mine, hagi = (town.id for town in towns)
    runner = app.state.services.jobs
    runner.jobs += [Job("mine-report", 3600, lambda c: "mine: 4 notices", municipality_id=mine),
                    Job("hagi-report", 3600, lambda c: "hagi: 9 notices", municipality_id=hagi)]
    for job in runner.jobs:
        if job.name in ("mine-report", "hagi-report", "premium_renewals"):
            runner.run_now(job)  # premium_renewals: skipped without an issuer key, a result all the same

    def listed(headers):
        client.cookies.clear()
        return {j["name"]: j for j in client.get("/staff/jobs", headers=headers).json()}

    mine_staff = listed(staff_headers(client, app, "mine-viewer", mine, "viewer"))
    hagi_admin = listed(staff_headers(client, app, "hagi-admin", hagi, "admin"))
    root = listed(staff_headers(client, app))
    assert "mine-report" in mine_staff and "hagi-report" not in mine_staff
    assert "hagi-report" in hagi_admin and "mine-report" not in hagi_admin
    assert mine_staff["mine-report"]["last_result"] == "mine: 4 notices"
    assert mine_staff["mine-report"]["municipality_id"] == mine and not mine_staff["mine-report"]["details_hidden"]
    assert {"mine-report", "hagi-report", "premium_renewals"} <= set(root)
    assert root["hagi-report"]["last_result"] == "hagi: 9 notices"
    # A global job works over every municipality: its schedule and counts for all, its text for a superuser.
    renewals = mine_staff["premium_renewals"]
    assert renewals["runs"] == 1 and renewals["details_hidden"] and renewals["last_result"] == ""
    assert root["premium_renewals"]["last_result"].startswith("skipped") and not root["premium_renewals"]["details_hidden"]
