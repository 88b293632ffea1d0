"""Engines and sessions: SQLite pragmas and write-locked transactions, PostgreSQL URLs."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from backend.db import make_engine, migrate, session_factory
from backend.db.models_chain import Municipality
from backend.db.session import begin_immediate, normalize_url


def test_postgres_urls_use_psycopg_3():
    assert normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'resident.db'}"
    migrate(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        session.add(Municipality(slug="counter", name_ja="0", name_en="0"))
        session.commit()
    yield sessions
    engine.dispose()


def increment(sessions, immediate: bool, errors: list):
    """Read, think, write: the pattern that loses updates unless the write lock is taken first."""
    try:
        with sessions() as session:
            if immediate:
                begin_immediate(session)
            row = session.scalar(select(Municipality).where(Municipality.slug == "counter"))
            value = int(row.name_en)
            time.sleep(0.05)
            row.name_en = str(value + 1)
            session.commit()
    except Exception as exc:
        errors.append(exc)


def run_concurrently(sessions, immediate: bool, workers: int = 4) -> tuple[int, list]:
    errors: list = []
    threads = [threading.Thread(target=increment, args=(sessions, immediate, errors)) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with sessions() as session:
        return int(session.scalar(select(Municipality.name_en).where(Municipality.slug == "counter"))), errors


def test_begin_immediate_serialises_read_modify_write_on_sqlite(sqlite_sessions):
    value, errors = run_concurrently(sqlite_sessions, immediate=True)
    assert errors == [] and value == 4


def test_without_it_sqlite_refuses_the_conflicting_writers(sqlite_sessions):
    # A deferred transaction that read an older snapshot cannot write: SQLite says "locked" at once.
    value, errors = run_concurrently(sqlite_sessions, immediate=False)
    assert value + len(errors) == 4 and errors
    assert all("locked" in str(e) for e in errors)


def test_begin_immediate_must_come_first(sqlite_sessions):
    with sqlite_sessions() as session:
        session.execute(text("SELECT 1"))
        with pytest.raises(RuntimeError, match="first"):
            begin_immediate(session)
