"""Tables of the residency programme (MIC furusato resident registration): each municipality's rules,
verified identities (nullifiers only), designated activities and their check-ins, premium grants and
registrations with a city (and its prefecture).

No personal data: an identity is an HMAC nullifier of the provider's subject id plus the verification
level and whether the person was a minor; a guardian's consent is the guardian's nullifier, the time and
the SHA-256 digest of the provider's signed consent assertion (evidence the provider can match).
"""

from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models_chain import ADDRESS, HASH, unix_now

MODES = ("automatic", "queue")
KINDS = ("city", "prefecture")
# pending: waits for staff; sending: approved, transactions under way (counts toward the cap);
# active: premium until valid_until; failed: the transactions failed (retry by applying again);
# rejected: staff said no; lapsed: fell back to basic; renewed: replaced by the next year's grant.
GRANT_STATUSES = ("pending", "sending", "active", "failed", "rejected", "lapsed", "renewed")
HOLDING_STATUSES = ("pending", "sending", "active")  # the grants that count toward the cap of municipalities


class ResidencyProgramme(Base):
    """A municipality's residency rules; absent means the defaults (city, automatic, 3 a year, tier 1)."""

    __tablename__ = "residency_programmes"
    __table_args__ = (
        CheckConstraint("premium_mode IN ('automatic', 'queue')", name="premium_mode"),
        CheckConstraint("kind IN ('city', 'prefecture')", name="kind"),
    )

    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"),
                                                 primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), default="city")
    # The collection the backend issues this municipality's cards into (default: its first collection).
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id"), nullable=True)
    premium_mode: Mapped[str] = mapped_column(String(16), default="automatic")
    required_checkins: Mapped[int] = mapped_column(Integer, default=3)
    window_days: Mapped[int] = mapped_column(Integer, default=365)
    basic_tier: Mapped[int] = mapped_column(Integer, default=0)
    premium_tier: Mapped[int] = mapped_column(Integer, default=1)
    validity_days: Mapped[int] = mapped_column(Integer, default=365)
    # Renewal is judged this many days before a premium ends.
    renew_before_days: Mapped[int] = mapped_column(Integer, default=30)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


# pending: the city asked, the prefecture has not answered; approved: registrations issue the prefecture's
# card; declined: the prefecture said no; cancelled: the city withdrew its request; ended: a link undone later.
LINK_STATUSES = ("pending", "approved", "declined", "cancelled", "ended")
OPEN_LINK = "status IN ('pending', 'approved')"


class PrefectureLink(Base):
    """A city's link to its prefecture: asked by the city's admin, in force only once the prefecture approved.

    A city has at most one open (pending or approved) link; the closed ones stay as the history of both."""

    __tablename__ = "prefecture_links"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'declined', 'cancelled', 'ended')", name="status"),
        Index("uq_prefecture_links_open_city", "city_id", unique=True, sqlite_where=text(OPEN_LINK),
              postgresql_where=text(OPEN_LINK)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    prefecture_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # staff id; NULL: carried over
    requested_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the prefecture admin who approved or declined it
    decided_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ended_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Identity(Base):
    """A verified person, known only by nullifier = HMAC(deployment identity secret, issuer | subject)."""

    __tablename__ = "identities"

    nullifier: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(32))
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    consent_guardian: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the guardian's nullifier
    consent_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    consent_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)  # SHA-256 of the assertion


class IdentityWallet(Base):
    """A wallet bound to a verified identity (a person may use several wallets; a wallet is one person)."""

    __tablename__ = "identity_wallets"

    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    nullifier: Mapped[str] = mapped_column(ForeignKey("identities.nullifier", ondelete="CASCADE"), index=True)
    bound_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class IdentityNonce(Base):
    """A nonce we hand a signed-in holder to put in the provider's assertion: single use, short-lived."""

    __tablename__ = "identity_nonces"
    __table_args__ = (CheckConstraint("purpose IN ('identity', 'guardian_consent')", name="purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    holder: Mapped[str] = mapped_column(ADDRESS)
    purpose: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class OidcLogin(Base):
    """A holder's OpenID Connect login under way (backend/identity/oidc.py): single use, short-lived, bound to
    the wallet that started it. The state and nonce are kept as SHA-256 digests (we only compare them); the
    PKCE code verifier, which the token request must send, sealed under Settings.sealing_key."""

    __tablename__ = "oidc_logins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_digest: Mapped[str] = mapped_column(String(64), unique=True)
    nonce_digest: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str] = mapped_column(ADDRESS)
    # identity: the holder verifies themselves; guardian_consent: the holder's guardian signs in and consents
    purpose: Mapped[str] = mapped_column(String(20), default="identity", server_default="identity")
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class PartnerOrganisation(Base):
    """A partner (自治会, NPO, DMO...) that runs activities; it uses an API key (stored as a digest).

    auto_designate: its activities are designated when created (MIC pattern ②); otherwise staff
    designate each one (pattern ①)."""

    __tablename__ = "partner_organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    auto_designate: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class Activity(Base):
    """A supporter activity (担い手活動); check-ins count toward premium only once it is designated."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(300), default="")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner_organisations.id"), nullable=True)
    created_by_staff: Mapped[int | None] = mapped_column(Integer, nullable=True)
    designated: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class ActivityDay(Base):
    """A day (Japan date, YYYY-MM-DD) on which an activity takes place."""

    __tablename__ = "activity_days"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)


class CheckIn(Base):
    """One card's presence at one activity on one Japan day (UNIQUE: a second scan that day is refused)."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("activity_id", "card_id", "day"),
        Index("ix_checkins_card_time", "card_id", "checked_in_at"),
        Index("ix_checkins_activity_day", "activity_id", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    holder: Mapped[str] = mapped_column(ADDRESS)
    day: Mapped[str] = mapped_column(String(10))
    checked_in_at: Mapped[int] = mapped_column(BigInteger)


class PremiumGrant(Base):
    """A premium year of one card (new or renewal), from request to lapse."""

    __tablename__ = "premium_grants"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'active', 'failed', 'rejected', 'lapsed', 'renewed')",
                        name="status"),
        CheckConstraint("kind IN ('new', 'renewal')", name="kind"),
        Index("ix_premium_grants_nullifier_status", "nullifier", "status"),
        Index("ix_premium_grants_municipality_status", "municipality_id", "status"),
        Index("ix_premium_grants_card", "card_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    nullifier: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="new")
    status: Mapped[str] = mapped_column(String(16))
    checkins_counted: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    decided_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # staff id; NULL = automatic
    valid_until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tx_hashes: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")


class Registration(Base):
    """A person's registration with a municipality (one per nullifier and municipality): the card issued."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("nullifier", "municipality_id"),
        CheckConstraint("via IN ('direct', 'prefecture_of_city')", name="via"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nullifier: Mapped[str] = mapped_column(String(64), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    holder: Mapped[str] = mapped_column(ADDRESS)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"))
    token_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    via: Mapped[str] = mapped_column(String(24), default="direct")
    city_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"), nullable=True)
    prefecture_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    tx_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


EVIDENCE_STATUSES = ("pending", "approved", "rejected")
OPEN_EVIDENCE = "status IN ('pending', 'approved')"


class ActivityEvidence(Base):
    """A holder's photo and note for an activity (the second way to count one, besides the QR check-in).

    Staff approve it (a CheckIn row is written for its activity, card and day, so it counts exactly as a
    check-in does) or reject it with a reason the holder sees. The photo is re-encoded without any metadata
    and kept in the private content store under `photo_cid`. One open (pending or approved) evidence per
    activity, card and day."""

    __tablename__ = "activity_evidence"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        Index("ix_activity_evidence_municipality_status", "municipality_id", "status"),
        Index("uq_activity_evidence_open", "activity_id", "card_id", "day", unique=True,
              sqlite_where=text(OPEN_EVIDENCE), postgresql_where=text(OPEN_EVIDENCE)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    holder: Mapped[str] = mapped_column(ADDRESS, index=True)
    day: Mapped[str] = mapped_column(String(10))  # the Japan date the holder took part
    note: Mapped[str] = mapped_column(String(1000), default="")
    photo_cid: Mapped[str] = mapped_column(String(100))
    photo_bytes: Mapped[int] = mapped_column(Integer)
    photo_width: Mapped[int] = mapped_column(Integer)
    photo_height: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    submitted_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    decided_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # staff id
    reason: Mapped[str] = mapped_column(String(500), default="")  # why it was rejected, shown to the holder
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"), nullable=True)
