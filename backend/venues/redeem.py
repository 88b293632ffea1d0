"""Verify-and-redeem: one database transaction decides whether a pass is used, and records it.

The path is kept lean because a venue's phone waits on it: the pass is
verified in memory (HMAC), then ONE query reads the perk, the venue's right to
redeem it, the card as the index knows it, whether this pass was already used,
the card's uses in the current period, and how current the index is; then one
INSERT. Correctness under concurrency comes from the database, not from locks
in Python:
- UNIQUE(pass_id): of two venues scanning the same pass at once, one INSERT
  commits and the other fails; the loser re-reads and answers "already used".
- UNIQUE(card, perk, period_key, slot): the n-th use of a period takes slot n,
  so two different passes of one card cannot both take the last use.
On SQLite the transaction starts with BEGIN IMMEDIATE (writers queue instead
of failing on a stale snapshot); on PostgreSQL READ COMMITTED plus the unique
indexes is enough.

The hot path talks to the database through the pooled DBAPI connection (the
engine's own pool, so SQLite gets its pragmas) with three plain SQL
statements: at a few hundred microseconds a request, SQLAlchemy's ORM and
result machinery would cost more than the database work itself. The
statements are cached and prepared by the drivers (sqlite3's statement cache,
psycopg's automatic server-side prepare).

Nothing here calls the chain for the decision unless a `chain_reader` is
given (the bench's per-request-RPC variant): the answer comes from the index
and says how stale it is, so checks keep working while the RPC node is down.
Stale means: the index has not caught up for `stale_after` seconds, or (with a
`head`, backend/chain/head.py) its block is behind the chain's head read after
the scan arrived, or that head could not be read. A card transferred a moment
ago is then still answered from the index, but never as fresh.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from eth_utils import to_checksum_address
from sqlalchemy import Engine

from backend.auth.secrets import token_digest
from backend.auth.sessions import MAX_TOKEN_CHARS
from backend.chain.head import SharedHead
from backend.db.session import is_sqlite
from backend.perks.rules import (VENUE_KINDS, CardState, PerkTerms, Verdict, evaluate, japan_date, japan_time,
                                  period_key, verdict)
from backend.venues.passes import PassError, PassSigner

MAX_ATTEMPTS = 4


def refusal(code: str, **values) -> Verdict:
    """A venue-side "no" (texts in backend/messages/venues.py); the card and perk rules have theirs."""
    return verdict(code, **values)


class CommitOutcomeUnknown(RuntimeError):
    """The connection failed during COMMIT: the redemption may or may not be recorded (never retried)."""


@dataclass
class RedeemResult:
    """What the venue's screen shows."""

    verdict: Verdict
    perk: dict | None = None
    card: dict | None = None
    redeemed_at: int | None = None
    index: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {**self.verdict.as_dict(), "perk": self.perk, "card": self.card, "redeemed_at": self.redeemed_at,
                "index": self.index}


_VENUE = """
SELECT a.id, a.venue_id
FROM auth_sessions s
JOIN venue_accounts a ON a.id = CAST(s.subject AS INTEGER)
JOIN venues v ON v.id = a.venue_id
WHERE s.token_digest = :digest AND s.kind = 'venue' AND s.expires_at > :now AND a.active AND v.active
"""

# The venue the scan is for, as the CTE `va`: from the session token (the HTTP path) or given (tests).
_VA_FROM_TOKEN = """
SELECT a.id AS account_id, a.venue_id
FROM auth_sessions s
JOIN venue_accounts a ON a.id = CAST(s.subject AS INTEGER)
JOIN venues v ON v.id = a.venue_id
WHERE s.token_digest = :digest AND s.kind = 'venue' AND s.expires_at > :now AND a.active AND v.active
"""
_VA_GIVEN = "SELECT CAST(:account_id AS INTEGER) AS account_id, CAST(:venue_id AS INTEGER) AS venue_id"

# Everything the decision needs, in one round trip: the venue (NULL: no live session), the perk and
# whether this venue may redeem it, the card as indexed, whether this pass was used, this card's uses
# under today's key, and how current the index is.
_LOOKUP = """
WITH va AS ({va})
SELECT (SELECT account_id FROM va) AS account_id, (SELECT venue_id FROM va) AS venue_id,
       p.id, p.name_ja, p.name_en, p.kind, p.min_tier, p.soulbound_only, p.min_holding_days, p.limit_count,
       p.limit_period, p.active,
       (SELECT 1 FROM perk_venues pv JOIN va ON pv.venue_id = va.venue_id WHERE pv.perk_id = p.id) AS venue_ok,
       c.id AS card_id, c.owner, c.status, c.tier, c.expires_at, c.locked, c.holding_since, c.resident_number,
       (SELECT r.redeemed_at FROM redemptions r WHERE r.pass_id = :pass_id) AS used_at,
       (SELECT count(*) FROM redemptions r2
         WHERE r2.card_id = c.id AND r2.perk_id = p.id AND r2.period_key = :period_key) AS used_in_period,
       cur.synced_at, cur.indexed_block
FROM perks p
JOIN collections col ON col.id = p.collection_id
LEFT JOIN cards c ON c.collection_id = col.id AND c.token_id = :token_id
LEFT JOIN chain_cursors cur ON cur.chain_id = col.chain_id
WHERE p.id = :perk_id AND col.chain_id = :chain_id AND col.address = :address
"""

_COUNT = "SELECT count(*) FROM redemptions WHERE card_id = :card_id AND perk_id = :perk_id AND period_key = :period_key"

_INSERT = """
INSERT INTO redemptions (pass_id, perk_id, card_id, venue_id, venue_account_id, holder, redeemed_at, day,
                         period_key, slot)
VALUES (:pass_id, :perk_id, :card_id, :venue_id, :venue_account_id, :holder, :redeemed_at, :day, :period_key, :slot)
"""


# The audit log's row of a redemption (backend/db/models_audit.py), in the same transaction: who (the venue
# account), from where, and the redemption row; the redemption row itself holds the rest (perk, card, time).
_AUDIT = """
INSERT INTO audit_events (at, actor_kind, actor_id, actor_name, client_address, route, action, object_type,
                          object_id, municipality_id, changes)
SELECT :redeemed_at, 'venue', r.venue_account_id, COALESCE(a.login, ''), :client, 'POST /venue/redeem', 'redeem',
       'redemptions', CAST(r.id AS VARCHAR(20)), v.municipality_id, :changes
FROM redemptions r
JOIN venues v ON v.id = r.venue_id
LEFT JOIN venue_accounts a ON a.id = r.venue_account_id
WHERE r.pass_id = :pass_id
"""


def _pyformat(sql: str) -> str:
    """:name parameters (sqlite3) as %(name)s (psycopg)."""
    return re.sub(r":([a-z_]+)", r"%(\1)s", sql)


@lru_cache(maxsize=4096)
def checksum(raw: bytes) -> str:
    return to_checksum_address(raw)


def index_info(synced_at, indexed_block, now: float, stale_after: float) -> dict:
    """How current the index is: the venue sees 'as of' and whether that is stale."""
    if synced_at is None:
        return {"as_of": None, "lag_seconds": None, "indexed_block": indexed_block, "stale": True}
    lag = max(0.0, now - float(synced_at))
    return {"as_of": int(synced_at), "lag_seconds": round(lag, 3), "indexed_block": indexed_block,
            "stale": lag > stale_after}


def against_head(index: dict, head: int | None) -> dict:
    """`index` (index_info) as of the head read for this check: stale too if the indexed block is behind it
    or the head is unknown. An empty `index` (a pass refused before any lookup) stays empty."""
    if not index:
        return index
    indexed = index.get("indexed_block")
    behind = head is None or indexed is None or indexed < head
    return {**index, "head_block": head, "stale": bool(index["stale"] or behind)}


class NoVenueSession(Exception):
    """Raised by `redeem_for_token` when the token opens no live venue session."""


class Redeemer:
    """Verify-and-redeem for one backend: build once, call `redeem` per scan."""

    def __init__(self, engine: Engine, signer: PassSigner, *, stale_after: float = 10.0,
                 chain_reader: Callable[[str, int], object] | None = None, head: SharedHead | None = None) -> None:
        self.engine = engine
        # The chain's head for the freshness of each answer (the HTTP path asks it; see against_head).
        self.head = head
        self.signer = signer
        self.stale_after = stale_after
        # (contract address, token id) -> backend.chain.OnChainCard; only the per-request-RPC variant sets it.
        self.chain_reader = chain_reader
        self.sqlite = is_sqlite(engine)
        self.integrity_error = engine.dialect.dbapi.IntegrityError
        self.operational_error = engine.dialect.dbapi.OperationalError
        convert = (lambda q: q) if self.sqlite else _pyformat
        self._venue_sql, self._count_sql, self._insert_sql, self._audit_sql = (
            convert(q) for q in (_VENUE, _COUNT, _INSERT, _AUDIT))
        self._lookup_token_sql = convert(_LOOKUP.format(va=_VA_FROM_TOKEN))
        self._lookup_given_sql = convert(_LOOKUP.format(va=_VA_GIVEN))

    def redeem(self, pass_text: str, venue_id: int, venue_account_id: int | None = None,
               now: float | None = None, client: str | None = None) -> RedeemResult:
        """Redeems `pass_text` for the venue, or says why not. `client`: the desk's address (audit log)."""
        return self._redeem(pass_text, None, venue_id, venue_account_id, now, client)

    def redeem_for_token(self, pass_text: str, token: str | None, now: float | None = None,
                         client: str | None = None) -> RedeemResult:
        """Like `redeem`, for the venue whose session `token` opens (looked up on the same connection);
        raises NoVenueSession if it opens none."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise NoVenueSession()
        return self._redeem(pass_text, token_digest(token), None, None, now, client)

    def _redeem(self, pass_text, digest, venue_id, venue_account_id, now, client=None) -> RedeemResult:
        # The PostgreSQL pool skips pre-ping (one round trip per scan): a connection the server dropped
        # (restart, idle timeout) fails its first statement, is invalidated, and the scan is tried once
        # more on a fresh one. Nothing was written then; a failed COMMIT is never retried (its outcome
        # is unknown) and propagates.
        try:
            return self._redeem_once(pass_text, digest, venue_id, venue_account_id, now, client)
        except self.operational_error:
            if self.sqlite:
                raise
            return self._redeem_once(pass_text, digest, venue_id, venue_account_id, now, client)

    def _redeem_once(self, pass_text, digest, venue_id, venue_account_id, now, client) -> RedeemResult:
        now = time.time() if now is None else now
        try:
            p = self.signer.verify(pass_text, now)
        except PassError as exc:
            p, refused = None, RedeemResult(Verdict(False, exc.code, exc.message_ja, exc.message_en))
        conn = self.engine.raw_connection()
        try:
            cur = conn.cursor()
            if p is None:
                # Nothing to look up, but a scan without a venue session is still a 401, not an answer.
                if digest is not None and self._venue(cur, digest, now) is None:
                    raise NoVenueSession()
                return refused
            address = checksum(p.contract)
            on_chain = None
            if self.chain_reader is not None:
                try:
                    on_chain = self.chain_reader(address, p.token_id)
                except Exception:  # the RPC variant has no index to fall back on: say so
                    if digest is not None and self._venue(cur, digest, now) is None:
                        raise NoVenueSession() from None
                    return RedeemResult(refusal("chain_unavailable"))
            for _ in range(MAX_ATTEMPTS):
                try:
                    return self._attempt(conn, cur, p, address, digest, venue_id, venue_account_id, now, on_chain,
                                         client)
                except self.integrity_error:
                    # Lost a race on the pass id or on the period slot: the next attempt reads what won.
                    conn.rollback()
            raise RuntimeError("redemption kept conflicting")  # each retry sees the winner's row: unreachable
        finally:
            try:
                conn.rollback()  # a no-op after a commit; ends any read
            except Exception:  # a broken connection: the pool must not hand it out again
                conn.invalidate()
            conn.close()  # back to the pool

    def has_venue_session(self, digest: str, now: float | None = None) -> bool:
        """Whether the session token of `digest` is a live venue session."""
        conn = self.engine.raw_connection()
        try:
            return self._venue(conn.cursor(), digest, time.time() if now is None else now) is not None
        finally:
            conn.rollback()
            conn.close()

    def _venue(self, cur, digest, now):
        cur.execute(self._venue_sql, {"digest": digest, "now": int(now)})
        rows = cur.fetchall()  # fetchall: a half-read statement would keep SQLite's read snapshot open
        return rows[0] if rows else None

    def _attempt(self, conn, cur, p, address, digest, venue_id, venue_account_id, now, on_chain,
                 client) -> RedeemResult:
        pass_id = p.pass_id.hex()
        if self.sqlite:
            cur.execute("BEGIN IMMEDIATE")  # queue behind other writers instead of failing on a stale read
        params = {"pass_id": pass_id, "token_id": p.token_id, "perk_id": p.perk_id, "chain_id": p.chain_id,
                  "address": address, "period_key": period_key("day", now)}
        if digest is not None:
            params.update(digest=digest, now=int(now))
            cur.execute(self._lookup_token_sql, params)
        else:
            params.update(account_id=venue_account_id, venue_id=venue_id)
            cur.execute(self._lookup_given_sql, params)
        rows = cur.fetchall()
        if not rows:
            conn.rollback()
            if digest is not None and self._venue(cur, digest, now) is None:
                raise NoVenueSession()
            return RedeemResult(refusal("perk_unknown"))
        row = rows[0]
        if row[1] is None:  # the token opens no live venue session
            conn.rollback()
            raise NoVenueSession()
        venue_account_id, venue_id = row[0], row[1]
        row = row[2:]
        (perk_id, name_ja, name_en, kind, min_tier, soulbound_only, min_holding_days, limit_count, limit_period,
         active, venue_ok, card_id, owner, status, tier, expires_at, locked, holding_since, resident_number,
         used_at, used_in_period, synced_at, indexed_block) = row
        result = RedeemResult(Verdict(False, "", "", ""),
                              {"id": perk_id, "name_ja": name_ja, "name_en": name_en, "kind": kind},
                              None if card_id is None else {"token_id": p.token_id, "resident_number": resident_number,
                                                            "tier": tier},
                              None, index_info(synced_at, indexed_block, now, self.stale_after))
        if used_at is not None:
            used = japan_time(used_at, seconds=False) + " JST"
            result.verdict = refusal("pass_used", used_at=used)
        elif not venue_ok or kind not in VENUE_KINDS:
            result.verdict = refusal("wrong_venue")
        if result.verdict.reason_code:
            conn.rollback()
            return result
        state = None
        if card_id is not None:
            state = CardState(status, tier, expires_at, bool(locked), holding_since)
            if on_chain is not None:
                # The per-request-RPC variant: holder and validity as the contract says right now.
                owner = on_chain.owner
                if owner is None:
                    state = CardState("burned", tier, expires_at, bool(locked), holding_since)
                elif not on_chain.valid:  # exists but not valid: expired
                    state = CardState("active", tier, expires_at or int(now), bool(locked), holding_since)
                else:
                    state = CardState("active", on_chain.tier, on_chain.expires_at, bool(on_chain.locked),
                                      holding_since)
                    result.card["tier"] = on_chain.tier
        if state is not None and state.status != "burned" and owner != checksum(p.owner):
            result.verdict = refusal("card_transferred")
            conn.rollback()
            return result
        terms = PerkTerms(kind, min_tier, bool(soulbound_only), min_holding_days, limit_count, limit_period,
                          bool(active))
        key = period_key(limit_period, now)
        used = used_in_period
        if limit_period == "year":
            cur.execute(self._count_sql, {"card_id": card_id, "perk_id": perk_id, "period_key": key})
            used = cur.fetchone()[0]
        result.verdict = evaluate(terms, state, now, used)
        if not result.verdict.ok:
            conn.rollback()
            return result
        cur.execute(self._insert_sql, {
            "pass_id": pass_id, "perk_id": perk_id, "card_id": card_id, "venue_id": venue_id,
            "venue_account_id": venue_account_id, "holder": owner, "redeemed_at": int(now),
            "day": japan_date(now), "period_key": key, "slot": None if key is None else used + 1,
        })
        cur.execute(self._audit_sql, {
            "redeemed_at": int(now), "client": client, "pass_id": pass_id,
            "changes": f'{{"perk_id": [null, {int(perk_id)}], "token_id": [null, {int(p.token_id)}]}}'})
        try:
            conn.commit()
        except self.operational_error as exc:
            raise CommitOutcomeUnknown() from exc
        result.redeemed_at = int(now)
        return result
