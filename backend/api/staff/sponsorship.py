"""Staff: the municipality's sponsorship policy (what its relayer pays for) and its spend and budget left."""

from __future__ import annotations

import time

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.api.deps import Admin, SessionDep, SettingsDep, Viewer
from backend.campaigns import sponsorship
from backend.db.models_chain import Municipality
from backend.db.session import write_transaction
from backend.errors import Refusal

router = APIRouter(prefix="/staff", tags=["staff"])

WEI = 10**30  # a budget above a trillion tokens is a typo


class SponsorshipIn(BaseModel):
    enabled: bool
    daily_budget_wei: int = Field(ge=0, lt=WEI)
    monthly_budget_wei: int = Field(ge=0, lt=WEI)
    per_person_per_day: int = Field(ge=0, le=1000)
    per_address_per_day: int = Field(ge=0, le=100_000)


class SponsorshipOut(BaseModel):
    enabled: bool
    daily_budget_wei: str
    monthly_budget_wei: str
    per_person_per_day: int
    per_address_per_day: int
    spent_today_wei: str
    spent_month_wei: str
    left_today_wei: str
    left_month_wei: str
    claims_today: int
    claims_month: int
    symbol: str = Field(description="The chain's native token (POL, ETH...), in which the budgets are shown")


def _out(session, municipality_id: int, symbol: str) -> SponsorshipOut:
    policy = sponsorship.policy_of(session, municipality_id)
    spend = sponsorship.spend_of(session, municipality_id, int(time.time()))
    return SponsorshipOut(
        enabled=bool(policy and policy.enabled), daily_budget_wei=str(spend.daily_budget),
        monthly_budget_wei=str(spend.monthly_budget),
        per_person_per_day=policy.per_person_per_day if policy else 0,
        per_address_per_day=policy.per_address_per_day if policy else 0,
        spent_today_wei=str(spend.spent_today), spent_month_wei=str(spend.spent_month),
        left_today_wei=str(spend.left_today), left_month_wei=str(spend.left_month),
        claims_today=spend.claims_today, claims_month=spend.claims_month, symbol=symbol)


@router.get("/municipalities/{municipality_id}/sponsorship", response_model=SponsorshipOut,
            summary="The sponsorship policy, the spend today and this month (Japan time) and the budget left")
def read_sponsorship(municipality_id: int, staff: Viewer, session: SessionDep,
                     settings: SettingsDep) -> SponsorshipOut:
    return _out(session, municipality_id, settings.network.symbol)


@router.put("/municipalities/{municipality_id}/sponsorship", response_model=SponsorshipOut,
            summary="Set the sponsorship policy (admins)")
def set_sponsorship(municipality_id: int, body: SponsorshipIn, staff: Admin, session: SessionDep,
                    settings: SettingsDep) -> SponsorshipOut:
    write_transaction(session)  # the sign-in check has read; the indexer may have written since
    if session.get(Municipality, municipality_id) is None:  # a superuser may name any id
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    if body.monthly_budget_wei < body.daily_budget_wei:  # the month's budget would cut every day short
        raise Refusal("sponsorship_month_below_day")
    sponsorship.set_policy(session, municipality_id, staff_id=staff.id, now=int(time.time()), **body.model_dump())
    session.commit()
    return _out(session, municipality_id, settings.network.symbol)
