"""Periodic jobs' bookkeeping: one row per job name.

A run is claimed by one conditional UPDATE (`next_run_at <= now` → `now + every`),
so however many app processes share the database, each period runs once.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base


class JobState(Base):
    __tablename__ = "job_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[int] = mapped_column(BigInteger, default=0)
    last_started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_finished_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_result: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
