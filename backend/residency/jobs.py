"""The residency programme's periodic job, for cron or a systemd timer (hourly is plenty):

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
from backend.issuer import make_issuer
from backend.residency.premium import run_renewals
from backend.settings import Settings


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
