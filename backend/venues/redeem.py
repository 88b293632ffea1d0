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

Nothing here calls the chain unless a `chain_reader` is given (the bench's
per-request-RPC variant): the answer comes from the index and says how stale
it is, so checks keep working while the RPC node is down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from eth_utils import to_checksum_address
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import begin_immediate
from backend.perks.rules import CardState, PerkTerms, Verdict, evaluate, japan_date, period_key
from backend.venues.passes import PassError, PassSigner

# Venue-side refusals (the card and perk rules have theirs in backend/perks/rules.py).
REASONS: dict[str, tuple[str, str]] = {
    "pass_used": (
        "このパスはすでに使用済みです（{used_at}）。",
        "This pass has already been used ({used_at}).",
    ),
    "perk_unknown": ("このパスの特典は見つかりません。", "The perk of this pass does not exist."),
    "wrong_venue": (
        "この特典はこの施設では利用できません。",
        "This perk cannot be redeemed at this venue.",
    ),
    "card_transferred": (
        "パス発行後にカードが別のウォレットに移されました。保有者本人のパスではありません。",
        "The card was transferred after this pass was made; the pass is no longer valid.",
    ),
    "chain_unavailable": (
        "ブロックチェーンに接続できません。しばらくしてからもう一度お試しください。",
        "The blockchain cannot be reached; try again shortly.",
    ),
}
MAX_ATTEMPTS = 4


def refusal(code: str, **values) -> Verdict:
    ja, en = REASONS[code]
    return Verdict(False, code, ja.format(**values), en.format(**values))


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


_LOOKUP = text("""
SELECT p.id, p.name_ja, p.name_en, p.kind, p.min_tier, p.soulbound_only, p.min_holding_days, p.limit_count,
       p.limit_period, p.active,
       (SELECT 1 FROM perk_venues pv WHERE pv.perk_id = p.id AND pv.venue_id = :venue_id) AS venue_ok,
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
""")

_INSERT = text("""
INSERT INTO redemptions (pass_id, perk_id, card_id, venue_id, venue_account_id, holder, redeemed_at, day,
                         period_key, slot)
VALUES (:pass_id, :perk_id, :card_id, :venue_id, :venue_account_id, :holder, :redeemed_at, :day, :period_key, :slot)
""")


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


class Redeemer:
    """Verify-and-redeem for one backend: build once, call `redeem` per scan."""

    def __init__(self, sessions: sessionmaker[Session], signer: PassSigner, *, stale_after: float = 10.0,
                 chain_reader: Callable[[str, int], object] | None = None) -> None:
        self.sessions = sessions
        self.signer = signer
        self.stale_after = stale_after
        # (contract address, token id) -> backend.chain.OnChainCard; only the per-request-RPC variant sets it.
        self.chain_reader = chain_reader

    def redeem(self, pass_text: str, venue_id: int, venue_account_id: int | None = None,
               now: float | None = None) -> RedeemResult:
        now = time.time() if now is None else now
        try:
            p = self.signer.verify(pass_text, now)
        except PassError as exc:
            return RedeemResult(Verdict(False, exc.code, exc.message_ja, exc.message_en))
        address = checksum(p.contract)
        on_chain = None
        if self.chain_reader is not None:
            try:
                on_chain = self.chain_reader(address, p.token_id)
            except Exception:  # the RPC variant has no index to fall back on: say so
                return RedeemResult(refusal("chain_unavailable"))
        for _ in range(MAX_ATTEMPTS):
            try:
                return self._attempt(p, address, venue_id, venue_account_id, now, on_chain)
            except IntegrityError:
                # Lost a race on the pass id or on the period slot: the next attempt reads what won.
                continue
        raise RuntimeError("redemption kept conflicting")  # unreachable in practice: each retry sees more rows

    def _attempt(self, p, address, venue_id, venue_account_id, now, on_chain) -> RedeemResult:
        pass_id = p.pass_id.hex()
        with self.sessions() as session:
            begin_immediate(session)
            # The one query counts this card's uses under today's key (daily limits are the common case
            # at a desk); a yearly perk recounts under its own key below.
            params = {"venue_id": venue_id, "pass_id": pass_id, "token_id": p.token_id, "perk_id": p.perk_id,
                      "chain_id": p.chain_id, "address": address, "period_key": period_key("day", now)}
            row = session.execute(_LOOKUP, params).first()
            if row is None:
                return RedeemResult(refusal("perk_unknown"))
            index = index_info(row.synced_at, row.indexed_block, now, self.stale_after)
            perk = {"id": row.id, "name_ja": row.name_ja, "name_en": row.name_en, "kind": row.kind}
            card = None
            if row.card_id is not None:
                card = {"token_id": p.token_id, "resident_number": row.resident_number, "tier": row.tier}
            result = RedeemResult(Verdict(False, "", "", ""), perk, card, None, index)
            if row.used_at is not None:
                used = time.strftime("%Y-%m-%d %H:%M", time.gmtime(row.used_at + 9 * 3600)) + " JST"
                result.verdict = refusal("pass_used", used_at=used)
                return result
            if not row.venue_ok:
                result.verdict = refusal("wrong_venue")
                return result
            state = None
            owner = row.owner
            if row.card_id is not None:
                state = CardState(row.status, row.tier, row.expires_at, bool(row.locked), row.holding_since)
            if on_chain is not None and row.card_id is not None:
                # The per-request-RPC variant: holder and validity as the contract says right now.
                owner = on_chain.owner
                if owner is None:
                    state = CardState("burned", row.tier, row.expires_at, bool(row.locked), row.holding_since)
                elif not on_chain.valid:  # exists but not valid: expired
                    state = CardState("active", row.tier, row.expires_at or int(now), bool(row.locked),
                                      row.holding_since)
                else:
                    state = CardState("active", on_chain.tier, on_chain.expires_at, bool(on_chain.locked),
                                      row.holding_since)
                    card["tier"] = on_chain.tier
            if state is not None and state.status != "burned" and owner != checksum(p.owner):
                result.verdict = refusal("card_transferred")
                return result
            terms = PerkTerms(row.kind, row.min_tier, bool(row.soulbound_only), row.min_holding_days, row.limit_count,
                              row.limit_period, bool(row.active))
            key = period_key(terms.limit_period, now)
            used = row.used_in_period
            if terms.limit_period == "year":
                used = session.execute(text(
                    "SELECT count(*) FROM redemptions WHERE card_id = :c AND perk_id = :p AND period_key = :k"),
                    {"c": row.card_id, "p": row.id, "k": key}).scalar_one()
            verdict = evaluate(terms, state, now, used)
            result.verdict = verdict
            if not verdict.ok:
                return result
            session.execute(_INSERT, {
                "pass_id": pass_id, "perk_id": row.id, "card_id": row.card_id, "venue_id": venue_id,
                "venue_account_id": venue_account_id, "holder": owner, "redeemed_at": int(now),
                "day": japan_date(now), "period_key": key, "slot": None if key is None else used + 1,
            })
            session.commit()
            result.redeemed_at = int(now)
            return result
