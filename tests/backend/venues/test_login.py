"""Venue desk sign-in under guessing: slowed per login and client address like the staff sign-in, with the
same answers for an existing and an unknown login. Before, it checked about 25 wrong passwords a second,
without end."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from backend.db.models_chain import Municipality
from backend.db.models_perks import Venue
from backend.db.session import begin_immediate
from backend.venues.accounts import create_account
from tests.backend.access_setup import assert_error
from tests.backend.throttle_clock import freeze

PASSWORD = "desk-password-123"


@pytest.fixture
def desk(app, client):
    """A venue with the login "kura-desk"."""
    with app.state.services.session_factory() as session:
        begin_immediate(session)
        town = Municipality(slug="kura-test", name_ja="倉町", name_en="Kura")
        session.add(town)
        session.flush()
        venue = Venue(municipality_id=town.id, name_ja="蔵", name_en="Storehouse")
        session.add(venue)
        session.flush()
        create_account(session, venue, "kura-desk", PASSWORD)
        session.commit()
    return "kura-desk"


def login(client, name, password=PASSWORD):
    return client.post("/venue/login", json={"login": name, "password": password})


def test_guessing_checks_five_passwords_and_then_only_waits(client, desk):
    """As fast as it can, one address guesses: five passwords are checked, then fifty guesses are only told
    to wait (before: every guess was checked, about 25 a second on a quiet machine)."""
    checked = throttled = 0
    started = time.monotonic()
    while throttled < 50 and time.monotonic() - started < 50:
        response = login(client, desk, f"guess-{checked + throttled}")
        if response.status_code == 401:
            checked += 1
        else:
            body = assert_error(response, 429, "login_throttled")
            assert 1 <= body["retry_after"] <= 60 and response.headers["Retry-After"] == str(body["retry_after"])
            throttled += 1
    assert (checked, throttled) == (5, 50), f"{checked} passwords checked in {time.monotonic() - started:.1f} s"
    assert_error(login(client, desk), 429, "login_throttled")  # the right password waits too, from here


def test_an_existing_and_an_unknown_login_answer_alike_byte_for_byte(app, client, desk, monkeypatch):
    freeze(monkeypatch, app.state.services.login_throttle)
    statuses = []
    for _ in range(7):
        known, unknown = login(client, desk, "wrong-password-1"), login(client, "no-such-desk", "wrong-password-1")
        assert (known.status_code, known.headers.multi_items(), known.content) == \
               (unknown.status_code, unknown.headers.multi_items(), unknown.content)
        statuses.append(known.status_code)
    assert statuses == [401] * 5 + [429] * 2


def test_a_desk_guessed_at_from_one_address_still_signs_in_from_another(app, client, desk):
    for _ in range(6):
        login(client, desk, "wrong-password-1")
    assert_error(login(client, desk), 429, "login_throttled")
    other = TestClient(app, client=("203.0.113.20", 50000))
    response = login(other, desk)
    assert response.status_code == 200, response.text
    assert response.json()["venue_name_en"] == "Storehouse"
