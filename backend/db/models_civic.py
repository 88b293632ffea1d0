"""Tables of civic life: polls and their signed ballots, announcements (and who read them), holders'
email addresses, the mail outbox, activity, the inactivity rule and its notices.

Race safety lives in the schema: UNIQUE(poll, card) makes "one vote per card" hold however many
requests arrive at once, and UNIQUE(poll, person_key) does the same for "one vote per verified
person" (person_key is NULL in per-card polls, and NULLs never collide). An open inactivity notice
sets `open_card_id`, UNIQUE, so one card never has two open notices.

No personal data goes on chain; the email address is the only personal datum here, stored only
after the holder typed it, deleted when they remove it.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models_chain import ADDRESS, unix_now

VOTE_UNITS = ("card", "person")
QUESTION_KINDS = ("single", "multiple", "text")
NOTICE_STATUSES = ("open", "cancelled", "revoked", "failed")


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint("one_vote_per IN ('card', 'person')", name="one_vote_per"),
        CheckConstraint("closes_at > opens_at", name="window"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"), index=True)
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(String(4000), default="")
    description_en: Mapped[str] = mapped_column(String(4000), default="")
    opens_at: Mapped[int] = mapped_column(BigInteger)
    closes_at: Mapped[int] = mapped_column(BigInteger)  # exclusive; also the ballot signature's expiry
    min_tier: Mapped[int] = mapped_column(Integer, default=0)
    one_vote_per: Mapped[str] = mapped_column(String(8), default="card")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="SET NULL"),
                                                   nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class PollQuestion(Base):
    __tablename__ = "poll_questions"
    __table_args__ = (
        UniqueConstraint("poll_id", "position"),
        CheckConstraint("kind IN ('single', 'multiple', 'text')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text_ja: Mapped[str] = mapped_column(String(1000))
    text_en: Mapped[str] = mapped_column(String(1000))
    # [{"ja": ..., "en": ...}, ...] for choice questions; [] for free text.
    options: Mapped[list] = mapped_column(JSON, default=list)
    min_choices: Mapped[int] = mapped_column(Integer, default=1)
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    required: Mapped[bool] = mapped_column(Boolean, default=True)


class Ballot(Base):
    """One signed ballot. `typed_data` and `signature` are kept as signed, so anyone can re-verify it."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("poll_id", "card_id"),
        UniqueConstraint("poll_id", "person_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    token_id: Mapped[int] = mapped_column(BigInteger)
    voter: Mapped[str] = mapped_column(ADDRESS)
    person_key: Mapped[str | None] = mapped_column(String(128), nullable=True)  # identity nullifier (per person)
    answers: Mapped[dict] = mapped_column(JSON)
    answers_hash: Mapped[str] = mapped_column(String(66))
    typed_data: Mapped[dict] = mapped_column(JSON)
    signature: Mapped[str] = mapped_column(String(2000))
    cast_at: Mapped[int] = mapped_column(BigInteger)


class Announcement(Base):
    """News to a collection's holders (optionally a tier range), or a notice to one address."""

    __tablename__ = "announcements"
    __table_args__ = (
        CheckConstraint("kind IN ('news', 'inactivity_notice')", name="kind"),
        Index("ix_announcements_recipient", "recipient"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="news")
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_ja: Mapped[str] = mapped_column(String(8000), default="")
    body_en: Mapped[str] = mapped_column(String(8000), default="")
    min_tier: Mapped[int] = mapped_column(Integer, default=0)
    max_tier: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipient: Mapped[str | None] = mapped_column(ADDRESS, nullable=True)  # one holder's notice; NULL = everyone
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    emails_queued: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="SET NULL"),
                                                   nullable=True)
    published_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class AnnouncementRead(Base):
    __tablename__ = "announcement_reads"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"),
                                                 primary_key=True)
    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    read_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class HolderEmail(Base):
    """A holder's email address; mail goes only to verified ones that did not unsubscribe."""

    __tablename__ = "holder_emails"

    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)  # the wallet (EIP-55)
    email: Mapped[str] = mapped_column(String(254))
    lang: Mapped[str] = mapped_column(String(2), default="ja")
    verified_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    code_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)  # SHA-256 of the 6-digit code
    code_expires_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    unsubscribed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class OutboxMail(Base):
    """A mail waiting for (or done with) the SMTP worker (backend/civic/mail.py)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_pending", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(String(20000))
    purpose: Mapped[str] = mapped_column(String(32))  # verify | announcement | inactivity_notice
    created_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    sent_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class HolderActivity(Base):
    """The last time a wallet did something that counts as activity (sign-in, vote, check-in)."""

    __tablename__ = "holder_activity"

    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    last_active_at: Mapped[int] = mapped_column(BigInteger, index=True)
    last_kind: Mapped[str] = mapped_column(String(24))


class InactivityRule(Base):
    """A municipality's basic-inactivity rule: notice after `inactive_days`, revoke `notice_days` later."""

    __tablename__ = "inactivity_rules"

    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"),
                                                 primary_key=True, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    inactive_days: Mapped[int] = mapped_column(Integer, default=730)
    notice_days: Mapped[int] = mapped_column(Integer, default=60)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)


class InactivityNotice(Base):
    __tablename__ = "inactivity_notices"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'cancelled', 'revoked', 'failed')", name="status"),
        UniqueConstraint("open_card_id"),
        Index("ix_inactivity_notices_address", "address"),  # a sign-in lifts the holder's open notices
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    open_card_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # = card_id while open
    address: Mapped[str] = mapped_column(ADDRESS)  # the holder noticed
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="SET NULL"),
                                                        nullable=True)
    last_active_at: Mapped[int] = mapped_column(BigInteger)  # what the notice was based on
    noticed_at: Mapped[int] = mapped_column(BigInteger)
    deadline_at: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
