"""The throttles count across API workers: two app instances on one PostgreSQL database (as the production
profile's gunicorn workers are) share the failed sign-ins and desk-code guesses; on SQLite (one process) the
counts stay in memory."""

from __future__ import annotations

from fastapi.testclient import TestClient
from limits.storage import MemoryStorage
from sqlalchemy import func, select

from backend.app import create_app
from backend.auth.staff import create_staff
from backend.auth.throttle import DatabaseStorage
from backend.db.models_access import ThrottleHit
from backend.venues.desk_codes import DeskCodeThrottled
from tests.backend.conftest import SAME_ORIGIN

ATTACKER = "198.51.100.7"


def login(client, password):
    return client.post("/staff/login", json={"login": "suzuki", "password": password})


def test_two_workers_on_one_postgresql_database_share_the_sign_in_count(settings, db_url):
    first, second = create_app(settings), create_app(settings)
    with TestClient(first, headers=SAME_ORIGIN, client=(ATTACKER, 50000)) as one, \
            TestClient(second, headers=SAME_ORIGIN, client=(ATTACKER, 50001)) as other:
        storage = first.state.services.login_throttle.limiter.storage
        if db_url.startswith("sqlite"):
            assert isinstance(storage, MemoryStorage)  # one process: nothing to share
            return
        assert isinstance(storage, DatabaseStorage)
        with first.state.services.session_factory() as session:
            create_staff(session, "suzuki", "right password 1234")
            session.commit()
        # Five wrong passwords a minute per name and address, spread over both workers: the sixth is refused
        # by either (counted apart, each would let five more through).
        answers = [login(one if i % 2 else other, "wrong password!").status_code for i in range(5)]
        assert answers == [401] * 5
        for client in (one, other):
            refused = login(client, "right password 1234")
            assert refused.status_code == 429 and refused.json()["code"] == "login_throttled"
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
        with first.state.services.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(ThrottleHit)) > 0


def test_two_workers_on_one_postgresql_database_share_the_desk_code_guesses(settings, db_url):
    first, second = create_app(settings), create_app(settings)
    with TestClient(first, headers=SAME_ORIGIN), TestClient(second, headers=SAME_ORIGIN):
        codes = [first.state.services.desk_codes, second.state.services.desk_codes]
        if db_url.startswith("sqlite"):
            assert all(isinstance(c.limiter.storage, MemoryStorage) for c in codes)
            return
        venue_session = "ab" * 32
        for i in range(5):  # the default ladder: five unknown codes a minute
            assert codes[i % 2].pass_of("ZZZZZZ", venue_session, ATTACKER) is None
        for desk_codes in codes:
            try:
                desk_codes.pass_of("ZZZZZZ", venue_session, ATTACKER)
            except DeskCodeThrottled as exc:
                assert 1 <= exc.retry_after <= 60
            else:
                raise AssertionError("a sixth guess went through on a worker that had counted only some")
