"""Tables of perks and venues: perks, venues, which venue redeems which perk, venue accounts, redemptions.

Passes are not stored (they are stateless signed tokens, backend/venues/passes.py);
a redemption row is what makes a pass used: UNIQUE(pass_id) lets exactly one
redemption of a pass commit, however many venues scan it at once. A second
unique index, (card, perk, period key, slot), makes the per-period limit hold
under concurrency too: the n-th use of a period takes slot n, and two
concurrent n-th uses cannot both commit.
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models_chain import ADDRESS, unix_now

# The national rule's perk kinds and the limit periods, as the database enforces them. The db layer imports
# no domain code, so these are literal copies of backend.perks.rules.KINDS / PERIODS;
# tests/backend/perks/test_rules.py checks that the two agree.
KINDS = ("venue_entry", "discount", "online_access")
PERIODS = ("day", "year", "unlimited")

_KIND_CHECK = "kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"
_PERIOD_CHECK = "limit_period IN (" + ", ".join(f"'{p}'" for p in PERIODS) + ")"


class Perk(Base):
    __tablename__ = "perks"
    __table_args__ = (
        # The national rule, also at the database: used in the town or online, never shipped goods.
        CheckConstraint(_KIND_CHECK, name="kind"),
        CheckConstraint(_PERIOD_CHECK, name="limit_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"), index=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(String(2000), default="")
    description_en: Mapped[str] = mapped_column(String(2000), default="")
    kind: Mapped[str] = mapped_column(String(16))
    min_tier: Mapped[int] = mapped_column(Integer, default=0)
    soulbound_only: Mapped[bool] = mapped_column(Boolean, default=False)
    min_holding_days: Mapped[int] = mapped_column(Integer, default=0)
    limit_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    limit_period: Mapped[str] = mapped_column(String(16), default="day")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class Venue(Base):
    __tablename__ = "venues"
    __table_args__ = (UniqueConstraint("municipality_id", "name_en"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class PerkVenue(Base):
    """A venue that may redeem a perk."""

    __tablename__ = "perk_venues"

    perk_id: Mapped[int] = mapped_column(ForeignKey("perks.id", ondelete="CASCADE"), primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), primary_key=True)


class VenueAccount(Base):
    """A login for a venue's staff (the ticket desk's phone); password stored as an scrypt hash."""

    __tablename__ = "venue_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    last_login_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Redemption(Base):
    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("pass_id"),
        UniqueConstraint("card_id", "perk_id", "period_key", "slot", name="uq_redemptions_period_slot"),
        Index("ix_redemptions_venue_day", "venue_id", "day"),
        Index("ix_redemptions_perk_day", "perk_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pass_id: Mapped[str] = mapped_column(String(32))  # hex of the pass's 16 random bytes
    perk_id: Mapped[int] = mapped_column(ForeignKey("perks.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    venue_account_id: Mapped[int | None] = mapped_column(ForeignKey("venue_accounts.id"), nullable=True)
    holder: Mapped[str] = mapped_column(ADDRESS)  # owner at redeem time
    redeemed_at: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in Japan
    # 'D2026-11-25' / 'Y2026'; NULL for unlimited perks (NULLs never collide, so no limit applies).
    period_key: Mapped[str | None] = mapped_column(String(12), nullable=True)
    slot: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DeskCode(Base):
    """A pass's six-character code for a desk to type (backend/venues/desk_codes.py): its HMAC digest and what
    the pass says without its signature; deleted an hour after it expired."""

    __tablename__ = "desk_codes"
    __table_args__ = (UniqueConstraint("digest"), Index("ix_desk_codes_expires_at", "expires_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[int] = mapped_column(BigInteger)
