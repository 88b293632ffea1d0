"""KPIs (now and per Japan day) and CSV exports (Excel: UTF-8 with BOM)."""

from __future__ import annotations

import re
import time
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from backend.api.deps import SessionDep, Viewer
from backend.demo_mark import is_demo
from backend.errors import Refusal
from backend.perks.rules import DAY_SECONDS, japan_date
from backend.staff.export import kpi_series_csv, kpis_csv, redemptions_csv
from backend.staff.kpi_series import MAX_DAYS, kpi_series
from backend.staff.kpis import municipality_kpis
from backend.staff.municipalities import get_municipality

router = APIRouter(prefix="/staff", tags=["staff"])


class ConcentrationOut(BaseModel):
    holders: int
    cards: int
    top1_share: float
    top10_share: float
    hhi: float
    gini: float


class ProgrammeKpisOut(BaseModel):
    checkins_30d: int = Field(description="Activity check-ins in the last 30 days")
    checkins_365d: int = Field(description="Activity check-ins in the last 365 days")
    premium_cards: int = Field(description="Cards premium now through the programme")
    premium_people: int = Field(description="Verified people (identity nullifiers) premium now")
    premium_renewed_365d: int = Field(description="Premium years renewed in the last 365 days")
    premium_lapsed_365d: int = Field(description="Premium years that lapsed to basic in the last 365 days")
    premium_waiting: int = Field(description="Premium requests and renewals waiting for staff approval")
    polls_closed_365d: int = Field(description="Polls closed in the last 365 days")
    turnout_last_poll: float | None = Field(description="Turnout (0-1) of the last closed poll; null if none")
    turnout_average_365d: float | None = Field(description="Average turnout (0-1) of those polls; null if none")


DEMO_FIELD = Field(default=False, description="Demo data seeded by `make run` (backend/demo_history.py), not real")


class KpisOut(BaseModel):
    municipality_id: int
    demo: bool = DEMO_FIELD
    as_of: int
    cards_issued: int
    cards_active: int
    cards_valid: int
    unique_holders: int
    concentration: ConcentrationOut
    active_holders_30d: int = Field(description="Holders who signed in or redeemed a perk in the last 30 days")
    redemptions_30d: int
    redemptions_by_perk: list[dict]
    redemptions_by_venue: list[dict]
    redemptions_by_day: list[dict]
    programme: ProgrammeKpisOut = Field(description="Residency programme: check-ins, premium, renewals, turnout")


CSV = "text/csv; charset=utf-8"


def _named(filename: str, demo: bool) -> str:
    """A demo municipality's files say so in their names too: a downloaded file is seen apart from the page."""
    return f"demo-{filename}" if demo else filename


def _csv(data: bytes, filename: str) -> Response:
    return Response(data, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/municipalities/{municipality_id}/kpis", response_model=KpisOut, summary="KPIs")
def read_kpis(municipality_id: int, staff: Viewer, session: SessionDep) -> KpisOut:
    """Cards issued, unique holders, concentration (top 1 / top 10 share, HHI, Gini), active holders,
    redemptions per perk, venue and day (last 30 days), and the residency programme's check-ins, premium,
    renewals and poll turnout."""
    return KpisOut(**municipality_kpis(session, municipality_id), demo=is_demo(session, municipality_id))


class CardSeriesOut(BaseModel):
    issued: list[int] = Field(description="Cards issued so far (cumulative, re-issues included)")
    active: list[int] = Field(description="Cards not revoked, opted out, re-issued or burnt")
    valid: list[int] = Field(description="Active cards not expired at the end of the day")
    unique_holders: list[int]
    top1_share: list[float]
    top10_share: list[float]
    hhi: list[float]
    gini: list[float]


class RedemptionSeriesOut(BaseModel):
    total: list[int]
    by_perk: list[dict] = Field(description="[{perk_id, name_ja, name_en, counts: [per day]}]")
    by_venue: list[dict] = Field(description="[{venue_id, name_ja, name_en, counts: [per day]}]")


class KpiSeriesOut(BaseModel):
    municipality_id: int
    demo: bool = DEMO_FIELD
    as_of: int
    days: list[str] = Field(description="Japan dates YYYY-MM-DD, oldest first; every list below follows them")
    cards: CardSeriesOut
    redemptions: RedemptionSeriesOut


@router.get("/municipalities/{municipality_id}/kpis/series", response_model=KpiSeriesOut,
            summary="KPIs per Japan day (charts)")
def read_kpi_series(municipality_id: int, staff: Viewer, session: SessionDep,
                    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="How many days, today included")] = 30
                    ) -> KpiSeriesOut:
    """Per Japan day of the last `days`: cards issued (cumulative), active and valid cards, unique holders,
    concentration (top 1 / top 10 share, HHI, Gini) at the end of the day (today: now), and redemptions per
    perk and per venue."""
    get_municipality(session, municipality_id)
    return KpiSeriesOut(**kpi_series(session, municipality_id, days), demo=is_demo(session, municipality_id))


@router.get("/municipalities/{municipality_id}/kpis.csv", summary="KPIs as CSV (Excel: UTF-8 with BOM)",
            response_class=Response, responses={200: {"content": {CSV: {}}}})
def export_kpis(municipality_id: int, staff: Viewer, session: SessionDep) -> Response:
    """The KPIs of GET .../kpis as CSV rows."""
    demo = is_demo(session, municipality_id)
    kpis = municipality_kpis(session, municipality_id)
    return _csv(kpis_csv(kpis, demo), _named(f"kpis-{municipality_id}-{japan_date(kpis['as_of'])}.csv", demo))


@router.get("/municipalities/{municipality_id}/kpis/series.csv",
            summary="KPIs per Japan day as CSV (Excel: UTF-8 with BOM)", response_class=Response,
            responses={200: {"content": {CSV: {}}}})
def export_kpi_series(municipality_id: int, staff: Viewer, session: SessionDep,
                      days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="How many days, today included")] = 30
                      ) -> Response:
    """The history of GET .../kpis/series, one day per row, uses per perk and per venue as columns."""
    get_municipality(session, municipality_id)
    demo = is_demo(session, municipality_id)
    series = kpi_series(session, municipality_id, days)
    return _csv(kpi_series_csv(series, demo),
                _named(f"kpi-history-{municipality_id}-{series['days'][0]}-{series['days'][-1]}.csv", demo))


DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@router.get("/municipalities/{municipality_id}/redemptions.csv",
            summary="Redemptions as CSV (Excel: UTF-8 with BOM)", response_class=Response,
            responses={200: {"content": {CSV: {}}}})
def export_redemptions(municipality_id: int, staff: Viewer, session: SessionDep,
                       from_: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD (Japan)")] = None,
                       to: Annotated[str | None, Query(description="YYYY-MM-DD (Japan), inclusive")] = None,
                       venue_id: int | None = None) -> Response:
    """Redemptions between two Japan dates (default: the last 30 days), optionally of one venue."""
    now = time.time()
    first = from_ or japan_date(now - 29 * DAY_SECONDS)
    last = to or japan_date(now)
    for value in (first, last):
        if not DAY.match(value):
            raise Refusal("day_invalid")
    demo = is_demo(session, municipality_id)
    return _csv(redemptions_csv(session, municipality_id, first, last, venue_id, demo),
                _named(f"redemptions-{municipality_id}-{first}-{last}.csv", demo))
