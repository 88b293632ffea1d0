"""The residency programme's periodic job, declared here (`periodic_jobs`) and collected by the composition root
(backend/app.py) for the app's job loop; without the app's job loop, run it from cron or a timer:

    python -m backend.residency.jobs renewals        (settings from RESIDENT_* / .env, like the app)

renews premiums that are due and still eligible, lapses those that ended without renewal, resends
interrupted grants; prints what it did as JSON. Staff can run the same now from the console
(POST /staff/municipalities/{id}/premium/renewals).
"""

from __future__ import annotations

import argparse
import json
import sys

from backend.db import make_engine, session_factory
from backend.chain.issuer import make_issuer
from backend.workers.jobs import Job, JobContext
from backend.residency.premium import run_renewals
from backend.settings import Settings

RENEWAL_EVERY_SECONDS = 3600


def renew_premiums(context: JobContext) -> str:
    """The periodic job: renew or lapse premiums; a one-line summary for the staff's job list."""
    if context.issuer is None:
        return "skipped: RESIDENT_ISSUER_KEY is not set"
    report = run_renewals(context.sessions, context.issuer, context.settings, now=context.now)
    if report.failed:
        # Recorded as the run's error; the grants stay as they were and are tried again next run.
        raise RuntimeError(f"{len(report.failed)} premium grants failed: {report.failed[:5]}")
    return (f"renewed {len(report.renewed)}, queued {len(report.queued)}, lapsed {len(report.lapsed)}, "
            f"resent {len(report.resent)}")


def premium_renewal_job() -> Job:
    return Job("premium_renewals", RENEWAL_EVERY_SECONDS, renew_premiums)


def periodic_jobs(settings) -> list[Job]:
    """The residency jobs this deployment runs."""
    return [premium_renewal_job()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.residency.jobs", description=__doc__.split("\n\n")[0])
    parser.add_argument("job", choices=["renewals"])
    parser.add_argument("--municipality", type=int, default=None, help="only this municipality id")
    args = parser.parse_args(argv)
    settings = Settings()
    issuer = make_issuer(settings)
    if issuer is None:
        print("RESIDENT_ISSUER_KEY is not set: renewals and lapses need the municipality's issuer key.",
              file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        report = run_renewals(session_factory(engine), issuer, settings, municipality_id=args.municipality)
    finally:
        engine.dispose()
    print(json.dumps(report.as_dict()))
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
