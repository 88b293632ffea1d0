"""one_at_a_time (backend/db/session.py) on PostgreSQL: two holders with separate engines (as two API workers
have) never run the block together — the second waits until the first leaves. On SQLite it is a no-op."""

from __future__ import annotations

import threading

import pytest

from backend.db import make_engine, session_factory
from backend.db.session import one_at_a_time


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_second_process_waits_for_the_first(db_url):
    first, second = make_engine(db_url), make_engine(db_url)
    inside, leave, order = threading.Event(), threading.Event(), []

    def hold():
        with one_at_a_time(session_factory(first), "test"):
            order.append("first in")
            inside.set()
            leave.wait(10)
            order.append("first out")

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    waiter = threading.Thread(target=lambda: _enter(second, order))
    waiter.start()
    waiter.join(1.0)
    assert waiter.is_alive() and order == ["first in"]  # still waiting while the first holds the lock
    leave.set()
    holder.join(10)
    waiter.join(10)
    assert order == ["first in", "first out", "second in"]
    first.dispose()
    second.dispose()


def _enter(engine, order):
    with one_at_a_time(session_factory(engine), "test"):
        order.append("second in")
