"""Engines and sessions for SQLite (default) and PostgreSQL.

SQLite gets WAL (readers never wait for the writer), enforced foreign keys, a
busy timeout, and a real BEGIN at the start of every transaction: pysqlite's
own handling only begins before the first write, so a read-then-write would
not be one transaction. `begin_immediate(session)` takes the write lock up
front (SQLite) for read-check-write operations that must not interleave.
"""

from __future__ import annotations

import hashlib
import logging
import os
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
SQLITE_BUSY_TIMEOUT_MS = 10_000
IMMEDIATE = "resident_sqlite_immediate"


def normalize_url(url: str) -> str:
    """postgresql:// and postgres:// URLs use psycopg 3 (the driver we ship)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url_or_engine) -> bool:
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else make_url(normalize_url(str(url_or_engine)))
    return url.get_backend_name() == "sqlite"


def shown_url(url: str) -> str:
    """The database URL as it may be shown (a log line, `make run`'s banner): its password hidden."""
    try:
        return make_url(normalize_url(url)).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown not at all
        return "***"


def describe_database_error(exc: BaseException, url: str) -> str:
    """`exc` in words that never carry the database's password (a driver may echo its connection string)."""
    said = f"{type(exc).__name__}: {exc}"
    try:
        password = make_url(normalize_url(url)).password
    except Exception:  # noqa: BLE001
        password = None
    if password:
        said = said.replace(str(password), "***")
    return said


def make_engine(url: str, **kwargs) -> Engine:
    url = normalize_url(url)
    # SQL parameters stay out of error messages and logs: they may be secrets' hashes, emails, tokens.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        prepare_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                               **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def prepare_sqlite_file(url: str) -> None:
    """Creates the SQLite file (and its directory) readable by this user only, before SQLite opens it.

    SQLite gives its -wal, -shm and -journal files the database file's permissions, so they are private too.
    A file made earlier with wider permissions is narrowed to 0600.
    """
    parsed = make_url(normalize_url(url))
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:") or parsed.query.get("uri"):
        return
    path = Path(database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    for file in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except FileNotFoundError:
            continue
        except OSError as exc:  # another user's file: SQLite may still use it; say so rather than stop
            log.warning("could not make %s private (mode 0600): %s", file, exc)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def begin_immediate(session: Session) -> None:
    """Starts the session's transaction holding the write lock (SQLite); a no-op elsewhere.

    Call it first thing in a unit of work that reads, decides and writes, so two
    such units queue up instead of one failing with "database is locked".
    On PostgreSQL use row locks (SELECT ... FOR UPDATE) or conditional UPDATEs.
    """
    if session.in_transaction():
        raise RuntimeError("begin_immediate must be the first thing the session does")
    if is_sqlite(session.get_bind()):
        session.connection(execution_options={IMMEDIATE: True})


def write_transaction(session: Session) -> None:
    """Restarts a request's session in a write transaction before its read-decide-write work.

    Dependencies (the sign-in check) have already read in this session. On SQLite a read transaction that
    later writes fails at once ("database is locked") if another writer (the indexer thread) committed in
    between, so the read transaction ends here and a new one begins holding the write lock (BEGIN
    IMMEDIATE); what was loaded before is expired and read again inside it. On PostgreSQL this is a
    plain restart: use row locks or conditional UPDATEs there.
    """
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_transaction must come before the unit of work's first change")
        session.rollback()
    begin_immediate(session)


@contextmanager
def one_at_a_time(sessions, name: str):
    """Runs the block in one process at a time across every process sharing the database: on PostgreSQL a
    session advisory lock named `name` (waited for), held on a connection of its own for the block; on SQLite
    nothing (one machine: the caller's own threading lock and begin_immediate serialise it). For work any
    API worker may start (a staff "run now") that also runs in the leader's jobs."""
    with sessions() as session:  # any session factory (an audit-acting wrapper too): its engine
        engine = session.get_bind()
    if is_sqlite(engine):
        yield
        return
    key = int.from_bytes(hashlib.sha256(f"resident.{name}".encode()).digest()[:8], "big", signed=True)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
