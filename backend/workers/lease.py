"""The one lease: which process may do a piece of work that must not run twice at once.

Several app processes share a database. A lease is two columns of a row — who holds it and until when
(Unix seconds) — and each of claim, renew and release is ONE conditional UPDATE, so the database decides
who wins a race: the UPDATE's row count says whether this holder got it. On SQLite the write lock is taken
up front (`begin_immediate`), so racing claimers queue instead of failing with "database is locked"; on
PostgreSQL the row lock of the UPDATE does it.

A lease is free when nobody holds it, or its time ran out (its holder died or stalled: the lease is taken
over). `claim` takes a free lease, or re-takes one this holder already has. Without a holder column a
lease is a period claim (the periodic jobs): whoever claims first after `until` has the period, and
nobody renews or releases it.

Time comes from `clock` (default `time.time`); tests hand in their own to move time without sleeping.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from backend.db.session import begin_immediate
from backend.workers.loop import Loop, Stop

log = logging.getLogger("resident.workers")


def new_holder_id() -> str:
    """A holder id unique across processes and restarts (the pid helps a reader of the table)."""
    return f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


class Lease:
    """Leases on the rows of one table, held by `holder` for `seconds` at a time.

    Every method runs in `session` if given (a write transaction the caller began, e.g. to renew in the same
    commit as the work the lease guards), else in its own short transaction that holds the write lock.
    """

    def __init__(self, sessions: sessionmaker, *, key: InstrumentedAttribute, until: InstrumentedAttribute,
                 holder_column: InstrumentedAttribute | None = None, seconds: float,
                 holder: str | None = None, clock: Callable[[], float] = time.time) -> None:
        self.sessions = sessions
        self.key = key
        self.until = until
        self.holder_column = holder_column
        self.seconds = seconds
        self.holder = holder or new_holder_id()
        self.clock = clock

    def now(self) -> float:
        return self.clock()

    # -- the three conditional UPDATEs ------------------------------------------------------------------
    def available(self, now: float | None = None):
        """The SQL condition "this holder may claim the row now": free, or already this holder's."""
        now = self.now() if now is None else now
        takeable = [self.until.is_(None), self.until <= now]
        if self.holder_column is not None:
            takeable += [self.holder_column.is_(None), self.holder_column == self.holder]
        return or_(*takeable)

    def claim(self, key, *, where: Iterable = (), values: dict | None = None, now: float | None = None,
              seconds: float | None = None, session: Session | None = None) -> bool:
        """Takes the lease on row `key` if it is free (or already this holder's) and `where` holds; sets
        `values` on the row in the same UPDATE. True if this holder has it now."""
        now = self.now() if now is None else now
        sets = {self.until.key: now + (self.seconds if seconds is None else seconds), **(values or {})}
        if self.holder_column is not None:
            sets[self.holder_column.key] = self.holder
        return self._update(session, [self.key == key, self.available(now), *where], sets)

    def renew(self, key, *, now: float | None = None, session: Session | None = None) -> bool:
        """Extends this holder's lease on `key`; False if another holder has taken it over."""
        now = self.now() if now is None else now
        return self._update(session, [self.key == key, self._mine()], {self.until.key: now + self.seconds})

    def release(self, key, *, values: dict | None = None, session: Session | None = None) -> bool:
        """Gives this holder's lease on `key` up, so another may take it at once; False if it held none."""
        return self._update(session, [self.key == key, self._mine()],
                            {self.until.key: 0, self.holder_column.key: None, **(values or {})})

    def held(self, key) -> bool:
        """Whether this holder's lease on `key` is current, read only (nothing is claimed or renewed)."""
        with self.sessions() as session:
            row = session.get(self.key.class_, key)
        return (row is not None and getattr(row, self.holder_column.key) == self.holder
                and (getattr(row, self.until.key) or 0) > self.now())

    def free_others(self, *, where: Iterable = ()) -> int:
        """Frees every lease held by another holder (and matching `where`): what a newly elected leader does,
        since the election says the previous holder is gone, so its work resumes now instead of when its
        leases run out. A holder somehow still alive finds its lease taken at its next renewal or write."""
        others = [self.holder_column.is_not(None), self.holder_column != self.holder, *where]
        statement = (update(self.key.class_).where(*others).values({self.until.key: 0, self.holder_column.key: None})
                     .execution_options(synchronize_session=False))
        with self.transaction() as session:
            return session.execute(statement).rowcount

    @contextmanager
    def kept(self, key, every: float):
        """Renews this holder's lease on `key` every `every` seconds while the block runs (a heartbeat in its
        own loop, so long work keeps its lease). A renewal that finds the lease taken over stops beating;
        the work notices when it next writes under the lease."""

        def beat() -> None:
            if not self.renew(key):
                log.warning("lease on %s %s lost to another holder", self.key.class_.__tablename__, key)
                raise Stop

        heartbeat = Loop(f"lease-{self.key.class_.__tablename__}-{key}", beat, every, first_wait=every)
        heartbeat.start()
        try:
            yield heartbeat
        finally:
            heartbeat.stop()

    # -- the row the lease lives in ---------------------------------------------------------------------
    def ensure_row(self, key, make: Callable[[], object]) -> None:
        """Creates the lease's row (`make()`) if it does not exist yet; a concurrent creator may win."""
        model = self.key.class_
        with self.sessions() as session:
            if session.get(model, key) is not None:
                return
        try:
            with self.transaction() as session:
                if session.get(model, key) is None:
                    session.add(make())
        except IntegrityError:  # another process created it first: the claims decide from here
            pass

    @contextmanager
    def transaction(self):
        """A short write transaction holding the write lock from its start (SQLite), committed at the end."""
        with self.sessions() as session:
            begin_immediate(session)
            yield session
            session.commit()

    def _mine(self):
        if self.holder_column is None:
            raise TypeError("a lease without a holder column is a period claim: it is neither renewed nor released")
        return self.holder_column == self.holder

    def _update(self, session: Session | None, conditions: list, values: dict) -> bool:
        statement = (update(self.key.class_).where(*conditions).values(values)
                     .execution_options(synchronize_session=False))
        if session is not None:
            return session.execute(statement).rowcount == 1
        with self.transaction() as own:
            return own.execute(statement).rowcount == 1

