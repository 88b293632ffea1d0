"""Persistence: the declarative base, engines and sessions, migrations."""

from __future__ import annotations

import fcntl
import functools
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from backend.db.session import begin_immediate, make_engine, normalize_url, session_factory

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"

__all__ = ["begin_immediate", "make_engine", "migrate", "alembic_config", "session_factory"]


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    # ConfigParser interpolates '%': a password may contain one.
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


# Alembic keeps its running context in module globals: one migration at a time per process.
_MIGRATING = threading.Lock()
# Any constant: the PostgreSQL advisory lock that serialises migrations across processes.
_PG_MIGRATION_LOCK = 0x7265736964  # "resid"


def migrate(url: str, revision: str = "head") -> None:
    """Brings the database at `url` to `revision` (`alembic upgrade head`).

    Safe when several processes start at once (uvicorn workers): they migrate one after
    the other, and those that come later find the database already at `revision`.
    """
    from alembic import command

    with _MIGRATING, _across_processes(url):
        if revision == "head" and _at_head(url):
            return  # what alembic would conclude, without compiling every revision file again
        command.upgrade(alembic_config(url), revision)


@functools.cache
def _script_heads() -> frozenset[str]:
    """The head revisions of backend/migrations: read once per process, as the files do not change under it."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def _at_head(url: str) -> bool:
    """Whether the database at `url` is already at every head (an app start on a migrated database)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return frozenset(MigrationContext.configure(connection).get_current_heads()) == _script_heads()
    finally:
        engine.dispose()


@contextmanager
def _across_processes(url: str):
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            yield
            return
        lock = os.open(f"{parsed.database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)  # private, like the database
        with os.fdopen(lock, "a+b") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
        return
    if parsed.get_backend_name() == "postgresql":
        import psycopg

        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_PG_MIGRATION_LOCK,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_PG_MIGRATION_LOCK,))
        return
    yield
