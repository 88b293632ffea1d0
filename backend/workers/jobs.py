"""Periodic jobs: the runner, the job row each keeps in `job_states`, and the loop that ticks it.

Each job is a function of a `JobContext` returning a one-line summary. The domains declare their own
jobs (backend/residency/jobs.py, backend/civic/jobs.py); the composition root (backend/app.py) hands
them to one `JobRunner`. A loop in every app process ticks it; each period's run is claimed first by a
period lease (backend/workers/lease.py: one conditional UPDATE on the job's `next_run_at`), so several
processes sharing a database run each period once. Jobs must still be idempotent: a process can die
mid-run, and the next period repeats it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.models_jobs import JobState
from backend.db.session import begin_immediate
from backend.workers.lease import Lease
from backend.workers.loop import Loop

log = logging.getLogger(__name__)


@dataclass
class JobContext:
    settings: object
    sessions: sessionmaker
    issuer: object | None  # backend.chain.issuer.Issuer, or None when no key is configured
    now: int


@dataclass(frozen=True)
class Job:
    name: str
    every: int  # seconds between runs
    run: Callable[[JobContext], str]
    # The municipality a job works for; None: a job over every municipality (all of today's), whose
    # results sum up or name them all.
    municipality_id: int | None = None


@dataclass
class Outcome:
    name: str
    ran: bool
    result: str = ""
    error: str = ""


@dataclass
class JobRunner:
    """Runs the due jobs of `jobs`; `tick()` is one pass (tests call it directly)."""

    settings: object
    sessions: sessionmaker
    issuer: object | None
    jobs: list[Job] = field(default_factory=list)
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        # A period lease: a job's `next_run_at` is when its current period ends; no holder, never renewed.
        self._periods = Lease(self.sessions, key=JobState.name, until=JobState.next_run_at, seconds=0)

    def claim(self, job: Job, now: int) -> bool:
        """Takes this period's run of `job` if it is due and nobody took it."""
        self._periods.ensure_row(job.name, lambda: JobState(name=job.name, next_run_at=0, last_result="",
                                                             last_error="", runs=0, failures=0))
        return self._periods.claim(job.name, now=now, seconds=job.every, values={"last_started_at": now})

    def run_now(self, job: Job, now: int | None = None) -> Outcome:
        """Runs `job` at once (a staff "run now"), recording the result like a scheduled run."""
        now = int(self.clock()) if now is None else now
        context = JobContext(self.settings, self.sessions, self.issuer, now)
        try:
            result = job.run(context) or ""
            error = ""
        except Exception as exc:  # one job's failure must not stop the others; it is recorded and logged
            log.exception("job %s failed", job.name)
            result, error = "", f"{type(exc).__name__}: {exc}"[:2000]
        with self.sessions() as session:
            begin_immediate(session)
            state = session.get(JobState, job.name)
            if state is None:
                state = JobState(name=job.name, next_run_at=now + job.every, runs=0, failures=0)
                session.add(state)
            state.last_started_at = state.last_started_at or now
            state.last_finished_at = int(self.clock())
            state.last_result = result[:2000]
            state.last_error = error
            state.runs = (state.runs or 0) + 1
            state.failures = (state.failures or 0) + (1 if error else 0)
            session.commit()
        return Outcome(job.name, True, result, error)

    def tick(self, now: int | None = None) -> list[Outcome]:
        now = int(self.clock()) if now is None else now
        outcomes = []
        for job in self.jobs:
            if self.claim(job, now):
                outcomes.append(self.run_now(job, now))
            else:
                outcomes.append(Outcome(job.name, False))
        return outcomes

    def states(self, session: Session) -> list[JobState]:
        return list(session.scalars(select(JobState).order_by(JobState.name)))


def job_loop(runner: JobRunner, interval: float) -> Loop:
    """The loop that ticks `runner` every `interval` seconds (the first tick after one interval)."""

    def tick() -> None:
        runner.tick()

    return Loop("resident-jobs", tick, interval, first_wait=interval)
