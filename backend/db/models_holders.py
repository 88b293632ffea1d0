"""What staff do to a card from the console: a revocation or a re-issue, with who asked, when and why, and
how far its transaction got. The audit log (backend/audit) records each row's changes too; this table is
what the card's page reads back, and where the reason lives.

`busy_card_id` is the card's id while its action is queued or sent (NULL after), UNIQUE: one action in
flight per card, so a double click cannot send two transactions.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models_chain import ADDRESS, HASH, unix_now

ACTION_KINDS = ("revoke", "reissue")
# queued: recorded, not yet handed to the node; sent: the node has it; mined: in a block (the card's page
# says "indexed" once the index reached that block); failed: refused or lost, `error_code` says why.
ACTION_STATUSES = ("queued", "sent", "mined", "failed")


class CardAction(Base):
    __tablename__ = "card_actions"
    __table_args__ = (
        CheckConstraint("kind IN ('revoke', 'reissue')", name="kind"),
        CheckConstraint("status IN ('queued', 'sent', 'mined', 'failed')", name="status"),
        UniqueConstraint("busy_card_id"),
        Index("ix_card_actions_card_id_id", "card_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    busy_card_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    new_owner: Mapped[str | None] = mapped_column(ADDRESS, nullable=True)  # re-issue: the new wallet
    # Who asked (NULL: the system, e.g. a holder's own recovery); the name as it was then.
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    tx_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    new_token_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(String(300), nullable=True)
    requested_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=unix_now)
