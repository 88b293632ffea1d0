"""The audit log: one row per state change by staff or a venue account, and per transaction the backend sent.

Append-only: no route updates or deletes a row, and the database refuses UPDATE and DELETE on the table
(triggers, migration 0013_audit_log). No foreign keys either: a row must outlive what it describes (a
deleted perk, a closed municipality), and a cascading delete would be refused by those triggers.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base
from backend.db.models_chain import unix_now

ACTOR_KINDS = ("staff", "venue", "system")
ACTIONS = ("create", "update", "delete", "redeem", "transaction")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_municipality_id_id", "municipality_id", "id"),
        Index("ix_audit_events_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[int] = mapped_column(BigInteger, default=unix_now, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # ACTOR_KINDS
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # staff or venue account id
    actor_name: Mapped[str] = mapped_column(String(100), default="")  # username / venue login, as it was then
    client_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    route: Mapped[str | None] = mapped_column(String(200), nullable=True)  # "PATCH /staff/perks/{perk_id}"
    action: Mapped[str] = mapped_column(String(16))  # ACTIONS
    object_type: Mapped[str] = mapped_column(String(64))  # a table name, or "transaction"
    object_id: Mapped[str | None] = mapped_column(String(100), nullable=True)  # primary key; a tx hash
    municipality_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: visible to superusers only
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # {column: [before, after]}, secrets "(changed)"
