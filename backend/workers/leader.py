"""The leader: of all the app processes sharing a database, exactly one runs the background work (the chain
indexer, the periodic jobs, the airdrop worker, and whatever else is registered — the transaction manager).

On PostgreSQL the leader is whoever holds a session advisory lock (`pg_try_advisory_lock`) on a connection of
its own, kept open for as long as it leads. The lock lives with that connection: when the leader dies (even by
SIGKILL) the server closes its socket and drops the lock, and the next candidate to poll takes it. Candidates
poll every `leader_poll_seconds` (default 3 s), so another process leads within a few seconds. The leader
checks its connection on every poll; a dead connection means the lock may be someone else's now, so it stops
its work at once (the per-task leases below fence whatever was mid-write).

On SQLite (one machine, `make run` or a test) there is no advisory lock: every process is a candidate and
always "leads", and the leases each piece of work already takes (backend/workers/lease.py: the indexer's
chain-cursor lease, each airdrop job's lease, each job period's claim) keep them from running twice.
Those leases stay on PostgreSQL too, as a second fence.

To run something only in the leader, give it start() and stop() and register it: `leadership.add(obj)`
(backend/app.py registers the indexer, the job loop and `services.workers`; a newcomer appends to
`services.workers`). Registered objects are started when this process is elected and stopped, in reverse
order, when it resigns or loses the lock; they must survive start() after stop().
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from backend.db.session import is_sqlite, normalize_url
from backend.workers.loop import Loop

log = logging.getLogger("resident.workers")

# One lock per database: a stable signed 64-bit key (what pg_try_advisory_lock(bigint) takes).
LOCK_KEY = int.from_bytes(hashlib.sha256(b"resident.leader").digest()[:8], "big", signed=True)
# The leader's connection names itself so an operator (and the tests) can see which process leads:
#   SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'resident-leader-%'
APPLICATION_PREFIX = "resident-leader-"


class Member(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class AdvisoryLockElector:
    """The PostgreSQL election: a session advisory lock on a dedicated connection (never from the pool)."""

    exclusive = True  # one leader at a time: a new leader may free the dead one's task leases at once

    def __init__(self, database_url: str) -> None:
        # NullPool: the connection is this object's alone, and closing it really closes it (drops the lock).
        # Keepalives: a leader whose machine vanished (no FIN) is noticed by the server within ~15 s.
        self._engine = create_engine(normalize_url(database_url), poolclass=NullPool, hide_parameters=True,
                                     connect_args={"application_name": f"{APPLICATION_PREFIX}{os.getpid()}",
                                                   "keepalives": 1, "keepalives_idle": 5,
                                                   "keepalives_interval": 2, "keepalives_count": 3,
                                                   "connect_timeout": 5})
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        connection = self._engine.connect()
        try:
            won = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar()
            connection.commit()  # a session lock outlives the transaction; no transaction stays open
        except Exception:
            connection.close()
            raise
        if not won:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        """Whether the lock's connection still answers (if it broke, the server has dropped the lock)."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1")).scalar()
            self._connection.commit()
            return True
        except Exception:  # noqa: BLE001 - any failure of the connection means the lock is gone
            log.warning("leader: the connection holding the advisory lock failed", exc_info=True)
            self._drop()
            return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                self._connection.commit()
            except Exception:  # noqa: BLE001 - closing the connection below drops the lock anyway
                log.warning("leader: could not unlock; closing the connection drops the lock", exc_info=True)
            self._drop()

    def close(self) -> None:
        self.release()
        self._engine.dispose()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                connection.invalidate()
                connection.close()
        except Exception:  # noqa: BLE001 - already broken
            pass


class LeaseElector:
    """The SQLite fallback: every process leads; each task's own lease (backend/workers/lease.py) decides."""

    exclusive = False  # several "leaders": nobody may free another's leases

    def try_acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass


def elector_for(database_url: str):
    return LeaseElector() if is_sqlite(database_url) else AdvisoryLockElector(database_url)


class Leadership:
    """Runs the registered members only while this process is the leader (see the module docstring)."""

    def __init__(self, elector, poll_seconds: float) -> None:
        self.elector = elector
        self.members: list[Member] = []
        # Called right after an election, before the members start (e.g. free a dead leader's task leases).
        self.on_elected: list[Callable[[], None]] = []
        self.leading = False
        self.elections = 0  # how many times this process became leader (a reader of /health or a test)
        self.loop = Loop("resident-leader", self._pass, poll_seconds, max_backoff=poll_seconds)

    def add(self, member: Member) -> None:
        self.members.append(member)
        if self.leading:
            member.start()

    def start(self) -> None:
        """Tries once now (so a lone process runs its work from its first request, as before), then polls."""
        try:
            self._pass()
        except Exception:  # noqa: BLE001 - the database may be briefly away: the loop tries again
            log.warning("leader: first election attempt failed", exc_info=True)
        self.loop.start()

    def stop(self) -> None:
        self.loop.stop()
        self._resign()
        self.elector.close()

    def _pass(self) -> None:
        if self.leading:
            if not self.elector.still_held():
                log.warning("leader: lost the lock; stopping the background work")
                self._resign()
            return
        if self.elector.try_acquire():
            self.leading = True
            self.elections += 1
            log.info("leader: process %s leads; starting %d background tasks", os.getpid(), len(self.members))
            for hook in self.on_elected if self.elector.exclusive else ():
                try:
                    hook()
                except Exception:  # noqa: BLE001 - a hook only speeds a takeover up; the leases still expire
                    log.exception("leader: election hook failed")
            for member in self.members:
                member.start()

    def _resign(self) -> None:
        if not self.leading:
            return
        for member in reversed(self.members):
            try:
                member.stop()
            except Exception:  # noqa: BLE001 - stop the others regardless
                log.exception("leader: stopping %r failed", member)
        self.leading = False
        self.elector.release()
