"""The demo mark (`demo_data`): which municipalities hold demo data that `make run` seeded, so every place that
shows their figures (the console, the KPIs, the CSV exports) can say so."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models_demo import DemoData


def mark_demo(db: Session, municipality_id: int, now: float, history_from: int | None = None) -> DemoData:
    """Marks a municipality's data as demo data (idempotent); `history_from`: it has the year of history."""
    mark = db.get(DemoData, municipality_id)
    if mark is None:
        mark = DemoData(municipality_id=municipality_id, seeded_at=int(now))
        db.add(mark)
    if history_from is not None:
        mark.history_from = history_from
    db.flush()
    return mark


def is_demo(db: Session, municipality_id: int) -> bool:
    return db.get(DemoData, municipality_id) is not None


def demo_ids(db: Session) -> set[int]:
    return set(db.scalars(select(DemoData.municipality_id)))
