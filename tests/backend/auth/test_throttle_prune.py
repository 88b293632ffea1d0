"""The hourly job that empties throttle_hits of counts no throttle looks at any more (backend/auth/jobs.py):
a key that is never counted again would otherwise keep its rows for ever."""

from __future__ import annotations

import time

from sqlalchemy import insert, select

from backend.auth.jobs import THROTTLE_PRUNE_JOB, longest_window
from backend.db.models_access import ThrottleHit


def test_the_app_prunes_counts_older_than_the_longest_window_and_keeps_the_rest(app, client):
    services = app.state.services
    assert THROTTLE_PRUNE_JOB in services.jobs.jobs
    keep = longest_window(services.settings)
    assert keep == 86_400  # the default ladders end at ".../day"
    now = int(time.time())
    with services.session_factory() as session:
        session.execute(insert(ThrottleHit), [
            {"key": "login:gone", "at": now - keep - 60},  # a day and a minute ago: no window reaches it
            {"key": "login:gone", "at": now - keep - 3600},
            {"key": "address:198.51.100.7", "at": now - keep + 60},  # still inside the daily window
            {"key": "login:suzuki", "at": now - 5},
        ])
        session.commit()
    outcome = services.jobs.run_now(THROTTLE_PRUNE_JOB)
    assert outcome.error == "" and outcome.result.startswith("2 expired throttle counts deleted")
    with services.session_factory() as session:
        left = sorted(session.scalars(select(ThrottleHit.key)).all())
    assert left == ["address:198.51.100.7", "login:suzuki"]


def test_a_longer_ladder_keeps_its_counts_longer(settings):
    longer = settings.model_copy(update={"desk_code_guesses": "5/minute; 100 per 7 days"})
    assert longest_window(longer) == 7 * 86_400
