"""Periodic jobs seen from the staff side: their last runs, and "run it now" for a superuser.

A staff member sees the jobs of the municipalities they hold a role in, and the global jobs (those over every
municipality: renewals, inactivity, mail) with their schedule and counts but not their result or error text,
which sum up or name every municipality; a superuser sees everything.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from backend.api.deps import CurrentStaff, JobsDep, SessionDep
from backend.errors import Refusal

router = APIRouter(prefix="/staff/jobs", tags=["staff"])


class JobOut(BaseModel):
    name: str
    municipality_id: int | None  # None: a job over every municipality
    every_seconds: int
    next_run_at: int | None
    last_started_at: int | None
    last_finished_at: int | None
    last_result: str
    last_error: str
    details_hidden: bool  # the result and error text are for a superuser (a global job's)
    runs: int
    failures: int


class JobRunOut(BaseModel):
    name: str
    result: str
    error: str


@router.get("", response_model=list[JobOut], summary="Periodic jobs and their last runs")
def list_jobs(staff: CurrentStaff, db: SessionDep, runner: JobsDep) -> list[JobOut]:
    """The periodic jobs this staff member may see, with their last run (see the module docstring)."""
    states = {state.name: state for state in runner.states(db)}
    out = []
    for job in runner.jobs:
        if job.municipality_id is not None and not staff.has_role(job.municipality_id, "viewer"):
            continue
        hidden = job.municipality_id is None and not staff.superuser
        state = states.get(job.name)
        out.append(JobOut(name=job.name, municipality_id=job.municipality_id, every_seconds=job.every,
                          next_run_at=state.next_run_at if state else None,
                          last_started_at=state.last_started_at if state else None,
                          last_finished_at=state.last_finished_at if state else None,
                          last_result=state.last_result if state and not hidden else "",
                          last_error=state.last_error if state and not hidden else "", details_hidden=hidden,
                          runs=state.runs if state else 0, failures=state.failures if state else 0))
    return out


@router.post("/{name}/run", response_model=JobRunOut, summary="Run a periodic job now (superuser)")
def run_job(name: str, staff: CurrentStaff, runner: JobsDep) -> JobRunOut:
    """Runs one job now and records the run (superuser)."""
    if not staff.superuser:
        raise Refusal("superuser_only")
    job = next((j for j in runner.jobs if j.name == name), None)
    if job is None:
        raise Refusal("job_not_found", name=name)
    outcome = runner.run_now(job)
    return JobRunOut(name=name, result=outcome.result, error=outcome.error)
