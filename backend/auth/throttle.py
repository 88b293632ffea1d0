"""Slows down password guessing at the staff and venue sign-ins, without a lock anyone can trigger.

Failed sign-ins are counted in moving windows (the `limits` library) per (login name, client address) and per
client address. Each is a ladder of windows, e.g. "5/minute; 10 per 10 minutes; 20/hour; 50/day": someone
who mistypes a few times waits seconds, a guesser who keeps going waits a minute, then ten, then an hour, then
a day (a stepped backoff). No count spans addresses, so guessing from one address never stops the right
password from another: nobody can lock someone else out, the superuser included. A successful sign-in is not
counted. Requests refused here are not counted either (they cost nothing: no password is checked).

The count is kept per login *name* as typed (normalised), not per account, and before the database is asked:
an unknown name is slowed exactly as an existing one, and a username and its email count apart for everyone,
so neither the answer nor the counting tells which names exist.

Where the counts live (`storage_for`): on SQLite, in this process's memory (limits' MemoryStorage), right for
its one backend process; on PostgreSQL, in the database (`DatabaseStorage`, table throttle_hits), so the API
workers of the production profile count together instead of each alone (which would multiply the limits by
their number). The desk-code throttle (backend/venues/desk_codes.py) keeps its counts in the same place.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import quote

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from backend.auth.errors import LoginThrottled
from backend.db.models_access import ThrottleHit
from backend.errors import Refusal
from backend.messages.entry import UNAUTHORIZED

# An IPv6 client usually holds a whole /64: counting single addresses would give it 2^64 fresh counts.
IPV6_PREFIX = 64


def address_key(host: str | None) -> str:
    """The client address the counts are kept for: the IPv4 address, or the IPv6 /64 it belongs to."""
    try:
        ip = ipaddress.ip_address((host or "").split("%")[0])
    except ValueError:
        return host or "unknown"  # not an IP (a test client's name, a Unix socket): counted as it is
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


def parse_ladder(text: str) -> list[RateLimitItem]:
    """Windows in limits' notation ("5/minute; 20/hour"); ValueError if it is not one."""
    items = parse_many(text)
    if not items:
        raise ValueError(f"no rate limit in {text!r}")
    return items


class DatabaseStorage(Storage, MovingWindowSupport):
    """limits' moving-window storage in the throttle_hits table: one row per counted failure, shared by every
    process on the database. PostgreSQL only (an advisory lock per key makes "count, then add" one step
    across processes); SQLite's one process keeps its counts in memory.

    Timestamps are `time.time()` of this module, as MemoryStorage's are of its own (tests move it)."""

    STORAGE_SCHEME = None  # built from an engine, never from a URI

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @staticmethod
    def _lock(conn, key: str) -> None:
        number = int.from_bytes(hashlib.sha256(b"throttle:" + key.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": number})

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self.engine.begin() as conn:
            self._lock(conn, key)
            conn.execute(delete(ThrottleHit).where(ThrottleHit.key == key, ThrottleHit.at < now - expiry))
            counted = conn.scalar(select(func.count()).select_from(ThrottleHit).where(ThrottleHit.key == key))
            if counted + amount > limit:
                return False
            conn.execute(insert(ThrottleHit), [{"key": key, "at": now}] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self.engine.connect() as conn:
            oldest, counted = conn.execute(select(func.min(ThrottleHit.at), func.count())
                                           .where(ThrottleHit.key == key, ThrottleHit.at >= now - expiry)).one()
        return (oldest if counted else now), counted

    # limits' Storage declares these abstract for its fixed-window limiters; the throttles use only
    # MovingWindowRateLimiter, so a call here is a programming error and says so rather than count wrongly.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("DatabaseStorage serves the moving window only")

    def get(self, key: str) -> int:
        return self.get_moving_window(key, 0, 86_400 * 366)[1]

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("DatabaseStorage serves the moving window only")

    def check(self) -> bool:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(ThrottleHit)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(ThrottleHit).where(ThrottleHit.key == key))


def storage_for(engine: Engine) -> Storage:
    """Where a backend's throttles count: the database on PostgreSQL (shared by its API workers), this
    process's memory on SQLite (one process)."""
    return DatabaseStorage(engine) if engine.dialect.name == "postgresql" else MemoryStorage()


class LoginThrottle:
    """The failed-sign-in counts of a backend (see the module's docstring; `storage`: where they live)."""

    def __init__(self, per_login: str, per_address: str, *, storage: Storage | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.per_login = parse_ladder(per_login)
        self.per_address = parse_ladder(per_address)
        self.limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        self.clock = clock  # the storage's clock: time.time (a test moves both)
        # Attempts whose password is being checked now count as failures until they are known: otherwise a
        # burst of parallel requests would all find room in the window before any of them is counted.
        self._pending: Counter[tuple[str, ...]] = Counter()
        self._lock = threading.Lock()

    def _counts(self, kind: str, login: str, host: str | None) -> list[tuple[tuple[str, ...], list[RateLimitItem]]]:
        address = address_key(host)
        name = quote((login or "").strip().lower(), safe="")  # limits joins a key's parts with "/"
        return [(("address", address), self.per_address), (("login", kind, name, address), self.per_login)]

    def _wait(self, counts) -> int:
        """Seconds until every count has room for one more attempt; 0 if they have now."""
        wait = 0.0
        now = self.clock()
        for key, ladder in counts:
            pending = self._pending[key]
            for item in ladder:
                if self.limiter.test(item, *key, cost=pending + 1):
                    continue
                reset, remaining = self.limiter.get_window_stats(item, *key)
                # Full of failures: until the oldest leaves the window. Full of attempts still being
                # checked: they are done within a second.
                wait = max(wait, reset - now if remaining <= 0 else 1.0)
        return max(1, math.ceil(wait)) if wait > 0 else 0

    @contextmanager
    def attempt(self, kind: str, login: str, host: str | None, *, counted: frozenset[str] = frozenset()
                ) -> Iterator[None]:
        """Around one sign-in: raises LoginThrottled (429, Retry-After) if this login name or this address has
        failed too often lately; a refusal of kind "unauthorized" (wrong password, unknown name, ...) raised
        inside is counted as a failure, and so is one whose code is in `counted` (a wrong current password or
        code after sign-in: a stolen session guesses through them too); anything else is not."""
        counts = self._counts(kind, login, host)
        with self._lock:
            wait = self._wait(counts)
            if wait:
                raise LoginThrottled(retry_after=wait, extra={"retry_after": wait})
            for key, _ in counts:
                self._pending[key] += 1
        failed = False
        try:
            yield
        except Refusal as refusal:
            failed = refusal.kind == UNAUTHORIZED or refusal.code in counted
            raise
        finally:
            with self._lock:
                for key, ladder in counts:
                    self._pending[key] -= 1
                    if self._pending[key] <= 0:
                        del self._pending[key]
                    if failed:
                        for item in ladder:
                            self.limiter.hit(item, *key)

    def gate(self, host: str | None) -> LoginGate:
        return LoginGate(self, host)


class LoginGate:
    """The throttle for one request's client address: `with gate.attempt("staff", login): ...`."""

    def __init__(self, throttle: LoginThrottle, host: str | None) -> None:
        self.throttle, self.host = throttle, host

    def attempt(self, kind: str, login: str, *, counted: frozenset[str] = frozenset()):
        return self.throttle.attempt(kind, login, self.host, counted=counted)
