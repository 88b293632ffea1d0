"""Periodic jobs: premium renewal and lapse, inactivity notices and revocations, mail delivery.

Each job is a function of a `JobContext` returning a one-line summary. A thread in
every app process ticks; a run is claimed in the database first (one conditional
UPDATE), so several processes sharing a database run each period once. Jobs must
still be idempotent: a process can die mid-run, and the next period repeats it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.db.models_jobs import JobState
from backend.db.session import begin_immediate

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

    def claim(self, job: Job, now: int) -> bool:
        """Takes this period's run of `job` if it is due and nobody took it."""
        with self.sessions() as session:
            # SQLite: a read that later writes must hold the write lock from the start, or it fails
            # with "database is locked" when the indexer wrote in between.
            begin_immediate(session)
            if session.get(JobState, job.name) is None:
                try:
                    session.add(JobState(name=job.name, next_run_at=0, last_result="", last_error="",
                                         runs=0, failures=0))
                    session.commit()
                except IntegrityError:  # another process created it first
                    session.rollback()
                begin_immediate(session)
            taken = session.execute(
                update(JobState).where(JobState.name == job.name, JobState.next_run_at <= now)
                .values(next_run_at=now + job.every, last_started_at=now)
                .execution_options(synchronize_session=False))
            session.commit()
            return taken.rowcount == 1

    def run_now(self, job: Job, now: int | None = None) -> Outcome:
        """Runs `job` at once (a staff "run now"), recording the result like a scheduled run."""
        now = int(time.time()) if now is None else now
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
            state.last_finished_at = int(time.time())
            state.last_result = result[:2000]
            state.last_error = error
            state.runs = (state.runs or 0) + 1
            state.failures = (state.failures or 0) + (1 if error else 0)
            session.commit()
        return Outcome(job.name, True, result, error)

    def tick(self, now: int | None = None) -> list[Outcome]:
        now = int(time.time()) if now is None else now
        outcomes = []
        for job in self.jobs:
            if self.claim(job, now):
                outcomes.append(self.run_now(job, now))
            else:
                outcomes.append(Outcome(job.name, False))
        return outcomes

    def states(self, session: Session) -> list[JobState]:
        return list(session.scalars(select(JobState).order_by(JobState.name)))


class JobThread:
    """Ticks a JobRunner every `interval` seconds in a daemon thread until stopped."""

    def __init__(self, runner: JobRunner, interval: float) -> None:
        self.runner = runner
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.runner.jobs:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="resident-jobs", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.runner.tick()
            except Exception:  # the database may be briefly unreachable; try again next tick
                log.exception("job tick failed")


def default_jobs(settings) -> list[Job]:
    """The jobs this deployment runs: premium renewal and lapse; inactivity notices and revocations; mail."""
    from backend.civic.jobs import civic_jobs
    from backend.residency.jobs import premium_renewal_job

    return [premium_renewal_job(), *civic_jobs(settings)]
