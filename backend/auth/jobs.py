"""The sign-in periodic job, collected by the composition root (backend/services.py): hourly, the throttles'
counted failures older than the longest window any throttle looks back over are deleted. A key counted again
drops its own old rows (DatabaseStorage.acquire_entry); a key never tried again (an address that guessed
once) would otherwise keep its rows in throttle_hits for ever."""

from __future__ import annotations

from sqlalchemy import delete

from backend.auth.throttle import parse_ladder
from backend.db.models_access import ThrottleHit
from backend.workers.jobs import Job, JobContext

THROTTLE_PRUNE_EVERY = 3600


def longest_window(settings) -> int:
    """Seconds: the longest window of the throttles' ladders (sign-in per login and per address, desk codes)."""
    ladders = (settings.login_limits_per_login, settings.login_limits_per_address, settings.desk_code_guesses)
    return max(item.get_expiry() for ladder in ladders for item in parse_ladder(ladder))


def prune_throttle_hits(context: JobContext) -> str:
    keep = longest_window(context.settings)
    with context.sessions() as session:
        deleted = session.execute(delete(ThrottleHit).where(ThrottleHit.at < context.now - keep)).rowcount
        session.commit()
    return f"{deleted} expired throttle counts deleted (kept: the last {keep} s)"


THROTTLE_PRUNE_JOB = Job("auth.throttle_prune", THROTTLE_PRUNE_EVERY, prune_throttle_hits)


def periodic_jobs(settings) -> list[Job]:
    return [THROTTLE_PRUNE_JOB]
