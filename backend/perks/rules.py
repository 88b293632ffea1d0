"""Perk eligibility as pure functions of (perk terms, card state, time, prior use).

Nothing here touches the database, the chain or the clock: callers pass `now`
(unix seconds) and how many times the card already used the perk in the
current period. The redeem path and the holder's "my perks" page both ask
`evaluate`, so a venue and a holder always see the same answer and reason.

Periods follow Japan time (Asia/Tokyo, UTC+9 all year: Japan has had no
daylight saving time since 1951, so a fixed offset is exact and needs no tz
database): "once a day" resets at midnight in Japan whatever the holder's own
time zone; "N a year" counts per calendar year in Japan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from backend.messages import texts

JST = timezone(timedelta(hours=9), "JST")
DAY_SECONDS = 86_400

# The national rule (MIC): a perk is used in the town or online, never goods
# shipped to the holder. These are the only kinds a perk may have.
KINDS = ("venue_entry", "discount", "online_access")
PERIODS = ("day", "year", "unlimited")
# Card statuses with a verdict of their own; any other inactive status reads as revoked.
CARD_STATUSES = ("card_revoked", "card_opted_out", "card_reissued", "card_burned", "card_orphaned")
# Kinds that need a venue to redeem them; online access is checked online.
VENUE_KINDS = ("venue_entry", "discount")
MAX_TIER = 255
MAX_LIMIT = 10_000
MAX_HOLDING_DAYS = 36_500


@dataclass(frozen=True, slots=True)
class PerkTerms:
    """What a perk requires; mirrors the perk's columns."""

    kind: str
    min_tier: int = 0
    soulbound_only: bool = False
    min_holding_days: int = 0
    limit_count: int | None = 1  # None when limit_period is "unlimited"
    limit_period: str = "day"
    active: bool = True


@dataclass(frozen=True, slots=True)
class CardState:
    """What the index knows about a card, as far as perks care."""

    status: str  # 'active' | 'revoked' | 'opted_out' | 'reissued' | 'burned' | 'orphaned' (backend/db/models_chain.py)
    tier: int
    expires_at: int  # unix seconds; 0 = never
    locked: bool  # ERC-5192 locked (soulbound) as the chain reports it for this token
    holding_since: int | None  # unix seconds when the current owner received it


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer a venue or a holder sees: OK or not, a stable code and the reason in both languages."""

    ok: bool
    reason_code: str
    message_ja: str
    message_en: str

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "reason_code": self.reason_code,
            "message_ja": self.message_ja,
            "message_en": self.message_en,
        }


def verdict(code: str, **values) -> Verdict:
    """The verdict `code` (texts in backend/messages/perks.py, venues.py) with its placeholders filled."""
    said = texts(code, **values)
    return Verdict(code == "ok", code, said.ja, said.en)


OK = verdict("ok")


class PerkTermsError(ValueError):
    """Raised when perk terms break a rule; `problems` lists every one in English."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def check_terms(terms: PerkTerms) -> PerkTerms:
    """Returns `terms` if staff may create a perk with them, else raises PerkTermsError listing every problem."""
    problems: list[str] = []
    if terms.kind not in KINDS:
        problems.append(
            f"kind {terms.kind!r} is not allowed: a perk is used in the town or online "
            f"({', '.join(KINDS)}), never goods shipped to the holder"
        )
    if not isinstance(terms.min_tier, int) or not 0 <= terms.min_tier <= MAX_TIER:
        problems.append(f"min_tier must be between 0 and {MAX_TIER} (got {terms.min_tier!r})")
    if not isinstance(terms.min_holding_days, int) or not 0 <= terms.min_holding_days <= MAX_HOLDING_DAYS:
        problems.append(f"min_holding_days must be between 0 and {MAX_HOLDING_DAYS} (got {terms.min_holding_days!r})")
    if terms.limit_period not in PERIODS:
        problems.append(f"limit_period must be one of {', '.join(PERIODS)} (got {terms.limit_period!r})")
    elif terms.limit_period == "unlimited":
        if terms.limit_count is not None:
            problems.append("limit_count must be empty when limit_period is 'unlimited'")
    elif not isinstance(terms.limit_count, int) or not 1 <= terms.limit_count <= MAX_LIMIT:
        problems.append(f"limit_count must be between 1 and {MAX_LIMIT} (got {terms.limit_count!r})")
    if problems:
        raise PerkTermsError(problems)
    return terms


def japan_date(now: int | float) -> str:
    """The calendar date in Japan at unix time `now`, as YYYY-MM-DD."""
    return datetime.fromtimestamp(now, JST).date().isoformat()


def japan_time(at: int | float, seconds: bool = True) -> str:
    """Unix time `at` as people read it in Japan: YYYY-MM-DD HH:MM[:SS], Japan time. The one formatter of
    times that CSV files, messages and the command line show (pages use formatDate in static/js/i18n.js)."""
    return datetime.fromtimestamp(at, JST).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def period_key(limit_period: str, now: int | float) -> str | None:
    """The key that groups redemptions of one period: 'D2026-11-25', 'Y2026', or None when unlimited.

    Redemptions store this key, so counting the uses of the current period is
    an equality match and the database can enforce the limit with a unique
    index on (card, perk, period key, slot).
    """
    if limit_period == "day":
        return "D" + japan_date(now)
    if limit_period == "year":
        return "Y" + japan_date(now)[:4]
    if limit_period == "unlimited":
        return None
    raise ValueError(f"unknown limit_period {limit_period!r}")


def card_verdict(card: CardState | None, now: int | float) -> Verdict:
    """Whether the card itself is valid now: it exists, is active and has not expired."""
    if card is None:
        return verdict("card_unknown")
    if card.status != "active":
        return verdict(f"card_{card.status}" if f"card_{card.status}" in CARD_STATUSES else "card_revoked")
    if card.expires_at and now >= card.expires_at:
        return verdict("card_expired", expired_on=japan_date(card.expires_at))
    return OK


def evaluate(terms: PerkTerms, card: CardState | None, now: int | float, used_in_period: int = 0) -> Verdict:
    """Whether `card` may use the perk at `now`, having used it `used_in_period` times in the current period.

    Checks in the order a person would explain them: the perk, the card, then
    the perk's requirements on the card, then the use limit.
    """
    if not terms.active:
        return verdict("perk_inactive")
    card_ok = card_verdict(card, now)
    if not card_ok.ok:
        return card_ok
    if card.tier < terms.min_tier:
        return verdict("tier_too_low", min_tier=terms.min_tier, tier=card.tier)
    if terms.soulbound_only and not card.locked:
        return verdict("not_soulbound")
    if terms.min_holding_days:
        since = card.holding_since if card.holding_since is not None else now
        held = now - since
        needed = terms.min_holding_days * DAY_SECONDS
        if held < needed:
            days_left = -(-(needed - held) // DAY_SECONDS)  # ceiling division
            return verdict("held_too_short", min_days=terms.min_holding_days, days_left=int(days_left))
    if terms.limit_period != "unlimited" and used_in_period >= (terms.limit_count or 0):
        return verdict(f"limit_{terms.limit_period}", limit=terms.limit_count)
    return OK
