"""The demo mark: a municipality whose data `make run` seeded (backend/demo.py, backend/demo_history.py).

Kept in the database beside the data it marks, so whatever reads the data (the console, the KPIs, the CSV
exports) can say it is demo data, and nobody mistakes a demo database for a real one.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base


class DemoData(Base):
    __tablename__ = "demo_data"

    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"),
                                                 primary_key=True, autoincrement=False)
    seeded_at: Mapped[int] = mapped_column(BigInteger)
    # The first card of the seeded year of history; NULL: demo data without history (e.g. the prefecture).
    history_from: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
