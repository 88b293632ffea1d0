"""Reading the audit log back: filtered, newest first, a page at a time; and as CSV for Excel."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.models_audit import AuditEvent
from backend.perks.rules import japan_time
from backend.staff.export import AUDIT_HEADER, excel_csv

MAX_PAGE = 200
MAX_CSV_ROWS = 50_000  # a year of a busy town's staff work; narrow the filters for more
EVERY_MUNICIPALITY = None


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # a username or venue login (exact), or "system"
    actor_id: int | None = None
    action: str | None = None  # create, update, delete, redeem, transaction
    object_type: str | None = None  # a table name ("perks"), or "transaction"
    object_id: str | None = None
    route: str | None = None  # part of the route ("/perks")
    since: int | None = None  # unix seconds, inclusive
    until: int | None = None  # unix seconds, exclusive


def _where(municipality_id: int | None, f: AuditFilter) -> list:
    where = []
    if municipality_id is not EVERY_MUNICIPALITY:
        where.append(AuditEvent.municipality_id == municipality_id)
    if f.actor:
        where.append(func.lower(AuditEvent.actor_name) == f.actor.strip().lower())
    if f.actor_id is not None:
        where.append(AuditEvent.actor_id == f.actor_id)
    for column, value in ((AuditEvent.action, f.action), (AuditEvent.object_type, f.object_type),
                          (AuditEvent.object_id, f.object_id)):
        if value:
            where.append(column == value)
    if f.route:
        where.append(AuditEvent.route.contains(f.route, autoescape=True))
    if f.since is not None:
        where.append(AuditEvent.at >= f.since)
    if f.until is not None:
        where.append(AuditEvent.at < f.until)
    return where


def events(session: Session, municipality_id: int | None, f: AuditFilter, *, before_id: int | None = None,
           limit: int = 50) -> list[AuditEvent]:
    """The events of `municipality_id` (EVERY_MUNICIPALITY: all, also those of none) matching `f`, newest
    first; `before_id` continues a page."""
    query = select(AuditEvent).where(*_where(municipality_id, f))
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(max(1, min(limit, MAX_PAGE)))))


def change_text(changes: dict) -> str:
    """{"name_en": ["Old", "New"]} as `name_en: Old → New` (one per line): what a person reads in a cell."""
    lines = []
    for column, change in (changes or {}).items():
        if isinstance(change, list) and len(change) == 2:
            before, after = ("" if v is None else v for v in change)
            lines.append(f"{column}: {before} → {after}")
        else:
            lines.append(f"{column}: {change}")
    return "\n".join(lines)


def audit_csv(session: Session, municipality_id: int | None, f: AuditFilter) -> bytes:
    """The matching events, newest first, as an Excel-ready CSV (the staff exports' writer: BOM, CRLF,
    formulas defused)."""
    rows = session.execute(select(AuditEvent).where(*_where(municipality_id, f))
                           .order_by(AuditEvent.id.desc()).limit(MAX_CSV_ROWS)).scalars()
    return excel_csv(AUDIT_HEADER, (
        (japan_time(e.at), e.actor_kind, e.actor_id,
         e.actor_name, e.client_address, e.route, e.action, e.object_type, e.object_id, e.municipality_id,
         change_text(e.changes), e.id) for e in rows))
