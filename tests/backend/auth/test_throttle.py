"""The sign-in throttle on its own: ladders of windows per (login name, address) and per address, a stepped
backoff, successes and non-credential errors not counted, parallel attempts counted while they run, IPv6 /64s."""

from __future__ import annotations

import threading
import time

import pytest
from pydantic import ValidationError

from backend.auth.errors import BadCredentials, LoginThrottled
from backend.auth.throttle import LoginThrottle, address_key
from backend.errors import Refusal
from backend.settings import Settings
from tests.backend.throttle_clock import freeze

A, B = "198.51.100.7", "203.0.113.9"


def fail(throttle, login="sato", host=A, kind="staff"):
    with pytest.raises(BadCredentials), throttle.attempt(kind, login, host):
        raise BadCredentials()


def succeed(throttle, login="sato", host=A, kind="staff"):
    with throttle.attempt(kind, login, host):
        pass


def throttled(throttle, login="sato", host=A, kind="staff") -> int:
    with pytest.raises(LoginThrottled) as refused, throttle.attempt(kind, login, host):
        pytest.fail("the attempt was let through")
    assert refused.value.extra == {"retry_after": refused.value.values["retry_after"]}
    return refused.value.values["retry_after"]


@pytest.fixture
def throttle(monkeypatch):
    made = LoginThrottle("5/minute; 10 per 10 minutes", "30/minute")
    made.test_clock = freeze(monkeypatch, made)
    return made


def test_five_failures_a_minute_then_a_wait_that_grows(throttle):
    clock = throttle.test_clock
    for _ in range(5):
        fail(throttle)
    assert throttled(throttle) == 60
    clock.advance(20)
    assert throttled(throttle) == 40  # the wait counts down
    clock.advance(40)
    for _ in range(5):  # the minute is over: five more
        fail(throttle)
    # ten in ten minutes: now the wait is until the first of them leaves the 10-minute window
    assert throttled(throttle) == 10 * 60 - 60
    clock.advance(10 * 60 - 60)
    fail(throttle)


def test_successes_and_other_errors_are_not_counted(throttle):
    for _ in range(20):
        succeed(throttle)
    with pytest.raises(RuntimeError), throttle.attempt("staff", "sato", A):
        raise RuntimeError("the database went away")  # not the guesser's doing: not a failure
    with pytest.raises(Refusal), throttle.attempt("staff", "sato", A):
        raise Refusal("body_too_large", detail="body_limit", limit=1)
    for _ in range(5):
        fail(throttle)
    throttled(throttle)


def test_a_login_throttled_at_one_address_is_free_at_another(throttle):
    for _ in range(5):
        fail(throttle, host=A)
    throttled(throttle, host=A)
    succeed(throttle, host=B)
    fail(throttle, host=B)
    succeed(throttle, login="suzuki", host=A)  # another name at A is not slowed by sato's failures


def test_names_count_as_typed_and_staff_and_venue_apart(throttle):
    for _ in range(5):
        fail(throttle, login=" Sato ")
    throttled(throttle, login="sato")  # normalised as authenticate does
    succeed(throttle, login="sato@city.example.jp")  # an email counts apart: which account it is stays unknown
    succeed(throttle, login="sato", kind="venue")


def test_an_address_trying_many_names_is_slowed_as_a_whole(throttle):
    for n in range(30):
        fail(throttle, login=f"name{n}")
    assert throttled(throttle, login="a-new-name") == 60
    succeed(throttle, login="a-new-name", host=B)


def test_parallel_attempts_cannot_run_past_the_limit():
    """Twenty guesses at once: only five passwords are checked; without counting the running ones, every
    attempt would find the window empty before the first failure is counted."""
    throttle = LoginThrottle("5/minute", "100/minute")
    start = threading.Barrier(20)
    checked, refused = [], []

    def guess():
        start.wait()
        try:
            with throttle.attempt("venue", "desk", A):
                checked.append(1)
                time.sleep(0.2)  # the password check
                raise BadCredentials()
        except LoginThrottled as exc:
            refused.append(exc.values["retry_after"])
        except BadCredentials:
            pass

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5 and len(refused) == 15
    assert all(1 <= seconds <= 60 for seconds in refused)
    with pytest.raises(LoginThrottled):  # and the five failures are counted
        with throttle.attempt("venue", "desk", A):
            pass


def test_addresses_ipv6_counts_per_64_and_mapped_ipv4_as_ipv4():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:198.51.100.7") == address_key("198.51.100.7") == "198.51.100.7"
    assert address_key("fe80::1%eth0") == "fe80::/64"
    assert address_key(None) == "unknown" and address_key("testclient") == "testclient"


def test_the_limits_are_settings_and_nonsense_is_refused_at_start():
    settings = Settings(login_limits_per_login="3/minute", login_limits_per_address="10 per 5 minutes")
    throttle = LoginThrottle(settings.login_limits_per_login, settings.login_limits_per_address)
    assert [str(item) for item in throttle.per_address] == ["10 per 5 minute"]
    for wrong in ("", "lots", "5 per fortnight"):
        with pytest.raises(ValidationError, match="login_limits_per_login"):
            Settings(login_limits_per_login=wrong)
