"""The audit log, read by admins: a municipality's events (filters, pages, CSV); a superuser's view of all.

Admin only: the log shows who did what, from which address, with the values before and after; a viewer
sees the data, not the people behind each change. There is no route that changes or removes an event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from backend.api.deps import Admin, CurrentStaff, SessionDep
from backend.audit.log import EVERY_MUNICIPALITY, MAX_PAGE, AuditFilter, audit_csv, events
from backend.db.models_audit import ACTIONS, AuditEvent
from backend.errors import Refusal
from backend.perks.rules import JST, japan_date, japan_time

router = APIRouter(prefix="/staff", tags=["staff"])
CSV = "text/csv; charset=utf-8"


class AuditEventOut(BaseModel):
    id: int
    at: int
    time_jst: str
    actor_kind: str = Field(description="staff, venue or system")
    actor_id: int | None
    actor_name: str
    client_address: str | None
    route: str | None
    action: str = Field(description="create, update, delete, redeem or transaction")
    object_type: str = Field(description="The table changed (perks, venues, ...), or transaction")
    object_id: str | None = Field(description="Its key; a transaction's hash")
    municipality_id: int | None
    changes: dict = Field(description='{column: [before, after]} ("(changed)" for a secret); a transaction: '
                                      "chain_id, from, to, function")


class AuditPage(BaseModel):
    events: list[AuditEventOut]
    next_before_id: int | None = Field(description="Pass as before_id for the next (older) page; null at the end")


def event_out(e: AuditEvent) -> AuditEventOut:
    return AuditEventOut(id=e.id, at=e.at, time_jst=japan_time(e.at),
                         actor_kind=e.actor_kind, actor_id=e.actor_id, actor_name=e.actor_name,
                         client_address=e.client_address, route=e.route, action=e.action,
                         object_type=e.object_type, object_id=e.object_id, municipality_id=e.municipality_id,
                         changes=e.changes or {})


Text = Annotated[str | None, Query(max_length=200)]
Time = Annotated[datetime | None, Query(description="ISO 8601; without a zone, Japan time")]


def audit_filter(actor: Text = None, actor_id: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
                 action: Annotated[str | None, Query(pattern="^(" + "|".join(ACTIONS) + ")$")] = None,
                 object_type: Annotated[str | None, Query(max_length=64)] = None, object_id: Text = None,
                 route: Text = None, since: Time = None, until: Time = None) -> AuditFilter:
    def unix(moment: datetime | None) -> int | None:
        if moment is None:
            return None
        return int((moment if moment.tzinfo else moment.replace(tzinfo=JST)).timestamp())

    first, last = unix(since), unix(until)
    if first is not None and last is not None and first >= last:
        raise Refusal("audit_range_invalid")
    return AuditFilter(actor=actor, actor_id=actor_id, action=action, object_type=object_type, object_id=object_id,
                       route=route, since=first, until=last)


def _page(session, municipality_id, f: AuditFilter, before_id: int | None, limit: int) -> AuditPage:
    found = events(session, municipality_id, f, before_id=before_id, limit=limit + 1)
    more = len(found) > limit
    found = found[:limit]
    return AuditPage(events=[event_out(e) for e in found], next_before_id=found[-1].id if more else None)


Filters = Annotated[AuditFilter, Depends(audit_filter)]
Before = Annotated[int | None, Query(ge=1, le=2**63 - 1, description="Only events older than this id")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


def _csv(data: bytes, name: str) -> Response:
    return Response(data, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/municipalities/{municipality_id}/audit", response_model=AuditPage,
            summary="The municipality's audit log, newest first (admin)")
def read_audit(municipality_id: int, staff: Admin, session: SessionDep,
               f: Filters, before_id: Before = None, limit: Limit = 50) -> AuditPage:
    """Every change by staff and venue accounts in this municipality, and each transaction sent for it."""
    return _page(session, municipality_id, f, before_id, limit)


@router.get("/municipalities/{municipality_id}/audit.csv", response_class=Response,
            responses={200: {"content": {CSV: {}}}}, summary="The audit log as CSV (Excel: UTF-8 with BOM; admin)")
def export_audit(municipality_id: int, staff: Admin, session: SessionDep,
                 f: Filters) -> Response:
    """The same events (same filters) as a CSV file, newest first."""
    name = f"audit-{municipality_id}-{japan_date(datetime.now().timestamp())}.csv"
    return _csv(audit_csv(session, municipality_id, f), name)


def _superuser(staff) -> None:
    if not staff.superuser:
        raise Refusal("audit_all_superuser")


@router.get("/audit", response_model=AuditPage,
            summary="Every municipality's audit log, and events of none (superuser)")
def read_all_audit(staff: CurrentStaff, session: SessionDep, f: Filters,
                   before_id: Before = None, limit: Limit = 50) -> AuditPage:
    """All events, newest first: also those that belong to no municipality (staff accounts, municipalities)."""
    _superuser(staff)
    return _page(session, EVERY_MUNICIPALITY, f, before_id, limit)


@router.get("/audit.csv", response_class=Response, responses={200: {"content": {CSV: {}}}},
            summary="Every event as CSV (superuser)")
def export_all_audit(staff: CurrentStaff, session: SessionDep, f: Filters) -> Response:
    _superuser(staff)
    return _csv(audit_csv(session, EVERY_MUNICIPALITY, f), f"audit-all-{japan_date(datetime.now().timestamp())}.csv")
