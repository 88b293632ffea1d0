"""A municipality's sponsorship policy: which claims its relayer pays for, and how much it may spend.

The policy covers only the town's own minter (the campaign's recorded minter is the collection's current
one) and only claims that cost nothing on chain: free campaigns (claimFor) and vouchers of price 0
(claimWithVoucher); it sets a budget per Japan day and per Japan month in the native token (wei), and
per-day limits per person and per client address. A person is the voucher's identity nullifier when it
carries one (their several wallets share one limit), else the recipient wallet. Spend is what receipts say was paid
(gasUsed x effectiveGasPrice), recorded by backend/campaigns/sponsored.py. Each refusal is a catalogue code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.campaigns.minters import CampaignState
from backend.db.models_campaigns import Campaign
from backend.db.models_sponsorship import SponsoredClaim, SponsorshipPolicy
from backend.errors import Refusal
from backend.messages import Texts, texts

JAPAN = ZoneInfo("Asia/Tokyo")


def japan_day_start(now: int) -> int:
    day = dt.datetime.fromtimestamp(now, JAPAN).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(day.timestamp())


def japan_month_start(now: int) -> int:
    month = dt.datetime.fromtimestamp(now, JAPAN).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return int(month.timestamp())


@dataclass(frozen=True)
class Spend:
    """What the municipality's relayer spent today and this month (Japan time), and what is left."""

    daily_budget: int
    monthly_budget: int
    spent_today: int
    spent_month: int
    claims_today: int
    claims_month: int

    @property
    def left_today(self) -> int:
        return max(0, min(self.daily_budget - self.spent_today, self.monthly_budget - self.spent_month))

    @property
    def left_month(self) -> int:
        return max(0, self.monthly_budget - self.spent_month)


def policy_of(session: Session, municipality_id: int) -> SponsorshipPolicy | None:
    return session.get(SponsorshipPolicy, municipality_id)


def set_policy(session: Session, municipality_id: int, *, enabled: bool, daily_budget_wei: int,
               monthly_budget_wei: int, per_person_per_day: int, per_address_per_day: int,
               staff_id: int | None, now: int) -> SponsorshipPolicy:
    policy = policy_of(session, municipality_id) or SponsorshipPolicy(municipality_id=municipality_id)
    policy.enabled = enabled
    policy.daily_budget_wei = str(daily_budget_wei)
    policy.monthly_budget_wei = str(monthly_budget_wei)
    policy.per_person_per_day = per_person_per_day
    policy.per_address_per_day = per_address_per_day
    policy.updated_by = staff_id
    policy.updated_at = now
    session.add(policy)
    session.flush()
    return policy


def spend_of(session: Session, municipality_id: int, now: int) -> Spend:
    policy = policy_of(session, municipality_id)
    day, month = japan_day_start(now), japan_month_start(now)
    rows = session.execute(select(SponsoredClaim.cost_wei, SponsoredClaim.created_at).where(
        SponsoredClaim.municipality_id == municipality_id, SponsoredClaim.created_at >= month)).all()
    today = [int(cost) for cost, at in rows if at >= day]
    return Spend(int(policy.daily_budget_wei) if policy else 0, int(policy.monthly_budget_wei) if policy else 0,
                 sum(today), sum(int(cost) for cost, _ in rows), len(today), len(rows))


def _count_today(session: Session, municipality_id: int, column, value: str, now: int) -> int:
    return session.scalar(select(func.count()).select_from(SponsoredClaim).where(
        SponsoredClaim.municipality_id == municipality_id, column == value,
        SponsoredClaim.created_at >= japan_day_start(now))) or 0


def covers(session: Session, campaign: Campaign, state: CampaignState, current_minter: str, *, price: int,
           now: int) -> str | None:
    """None when the policy would pay for a claim of `campaign` costing `price` on chain (before any person's
    limit), else the refusal code: what the pages ask before offering the fee-free button."""
    policy = policy_of(session, campaign.municipality_id)
    if policy is None or not policy.enabled:
        return "sponsorship_off"
    if campaign.minter != current_minter:
        return "not_covered_other_minter"
    if state.price != 0 or price != 0:
        return "not_covered_priced"
    spend = spend_of(session, campaign.municipality_id, now)
    if spend.left_month <= 0:
        return "sponsorship_monthly_budget_exhausted"
    if spend.left_today <= 0:
        return "sponsorship_daily_budget_exhausted"
    return None


def check(session: Session, campaign: Campaign, state: CampaignState, current_minter: str, *, price: int,
          person: str, client_address: str, now: int) -> SponsorshipPolicy:
    """The policy that lets the relayer sponsor this claim, or the Refusal that says why not (before any cost)."""
    refused = covers(session, campaign, state, current_minter, price=price, now=now)
    if refused is not None and refused.startswith("not_covered_"):
        raise Refusal("sponsorship_not_covered", reason=_reason(refused))
    if refused is not None:
        raise Refusal(refused)
    policy = policy_of(session, campaign.municipality_id)
    if _count_today(session, campaign.municipality_id, SponsoredClaim.person, person, now) >= policy.per_person_per_day:
        raise Refusal("sponsorship_person_limit", limit=policy.per_person_per_day)
    if _count_today(session, campaign.municipality_id, SponsoredClaim.client_address, client_address,
                    now) >= policy.per_address_per_day:
        raise Refusal("sponsorship_address_limit", limit=policy.per_address_per_day)
    return policy


def check_budget(session: Session, municipality_id: int, cost: int, now: int) -> None:
    """Refuses when paying `cost` wei (the simulated claim's gas at today's price) would pass a budget."""
    spend = spend_of(session, municipality_id, now)
    if spend.spent_month + cost > spend.monthly_budget:
        raise Refusal("sponsorship_monthly_budget_exhausted")
    if spend.spent_today + cost > spend.daily_budget:
        raise Refusal("sponsorship_daily_budget_exhausted")


def reason_of(code: str) -> Texts:
    """The words of a `covers` code, as the refusal `check` would raise says them."""
    if code.startswith("not_covered_"):
        return texts("sponsorship_not_covered", reason=_reason(code))
    return texts(code)


def _reason(code: str) -> Texts:
    """The reason in both languages, for the {reason} placeholder (each language gets its own side)."""
    return texts(code)
