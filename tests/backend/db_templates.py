"""Migrated template databases: `alembic upgrade head` runs once per test session and backend, and each
test that needs a migrated database gets a copy of the result (SQLite: the file; PostgreSQL: CREATE
DATABASE ... TEMPLATE). A copy has the very schema and rows the migration gives, and costs a file copy
or one statement instead of thirteen revisions (about 0.2 s on SQLite and 0.4 s on PostgreSQL, per test).

tests/backend/db/test_migrations.py (and every test that asks for an empty `db_url`) still migrates for real.
"""

from __future__ import annotations

import shutil
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from sqlalchemy.engine import make_url

from backend.db import migrate
from backend.db.session import normalize_url


def admin_conninfo(server_url: str) -> str:
    """psycopg's connection string for the server's maintenance database (where CREATE DATABASE runs)."""
    return make_url(normalize_url(server_url)).set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(server_url: str, name: str) -> str:
    return make_url(normalize_url(server_url)).set(database=name).render_as_string(hide_password=False)


def create_database(server_url: str, name: str, template: str | None = None) -> None:
    import psycopg

    statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    for attempt in range(40):
        try:
            with psycopg.connect(admin_conninfo(server_url), autocommit=True) as conn:
                conn.execute("SET synchronous_commit = off")
                conn.execute(statement)
                # A test database lives for one test and no test survives a server crash: its commits
                # need not wait for the disk (a few ms each, on a busy disk tens). What other sessions
                # see, and when, is unchanged.
                conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
            return
        except psycopg.errors.ObjectInUse:  # "source database is being accessed by other users" (autovacuum)
            if attempt == 39:
                raise
            time.sleep(0.25)


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    # An autovacuum worker (a superuser process FORCE may not end) can still be in the database: wait
    # for it rather than fail the test that used it.
    for attempt in range(20):
        try:
            with psycopg.connect(admin_conninfo(server_url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == 19:
                raise
            time.sleep(0.25)


class Templates:
    """The session's migrated databases, made on first use: a SQLite file in `directory`, a PostgreSQL
    database on each server asked for (dropped by `close()`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._sqlite: Path | None = None
        self._postgres: dict[str, str] = {}  # server URL -> template database name
        self.migrations = 0  # how many times a template was migrated (one per backend per session)

    def copy_sqlite(self, path: Path) -> None:
        """Makes `path` a migrated SQLite database (a copy of the template file, private like the original)."""
        if self._sqlite is None:
            template = self.directory / "template.db"
            migrate(f"sqlite:///{template}")
            self.migrations += 1
            # every connection closed: SQLite folded its write-ahead log into the file, so the file is all
            assert not template.with_name(template.name + "-wal").exists()
            self._sqlite = template
        shutil.copy(self._sqlite, path)

    def postgres(self, server_url: str) -> str:
        """The name of a migrated database on the server to use as TEMPLATE (nobody may stay connected)."""
        if server_url not in self._postgres:
            import psycopg

            name = "rt_tpl_" + uuid.uuid4().hex[:16]
            create_database(server_url, name)
            migrate(database_url(server_url, name))
            self.migrations += 1
            # No connection may stay in a template while it is copied: none may come in at all from now on.
            with psycopg.connect(admin_conninfo(server_url), autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            self._postgres[server_url] = name
        return self._postgres[server_url]

    def close(self) -> None:
        for server_url, name in self._postgres.items():
            drop_database(server_url, name)
        self._postgres.clear()


class PostgresDatabases:
    """Fresh databases on one server, made one ahead of the test that takes it and dropped after it, in
    threads of their own: CREATE DATABASE and DROP DATABASE (which forces a checkpoint on PostgreSQL 15)
    mostly wait for the disk, so the tests run meanwhile instead of waiting too."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._creator = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db-create")
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db-drop")
        self._spares: dict[str | None, Future] = {}  # template (None: an empty database) -> its next database
        self._drops: list[Future] = []
        self.created = 0

    def _create(self, template: str | None) -> str:
        name = "rt_" + uuid.uuid4().hex[:16]
        create_database(self.server_url, name, template)
        return name

    def take(self, template: str | None = None) -> str:
        """A database nobody has used: empty, or a copy of `template`."""
        spare = self._spares.pop(template, None)
        name = spare.result() if spare is not None else self._create(template)
        self._spares[template] = self._creator.submit(self._create, template)
        self.created += 1
        return name

    def drop(self, name: str) -> None:
        self._drops.append(self._dropper.submit(drop_database, self.server_url, name))

    def close(self) -> None:
        """Drops the spares and waits for every drop; raises the first that failed."""
        for spare in self._spares.values():
            try:
                self.drop(spare.result())
            except Exception:  # noqa: BLE001 - a spare that could not be made leaves nothing to drop
                pass
        self._spares.clear()
        self._creator.shutdown()
        self._dropper.shutdown()
        for drop in self._drops:
            drop.result()
