"""Response (and shared request) models used by more than one audience's routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from backend.civic import polls
from backend.db.models_campaigns import CampaignVoucher
from backend.db.models_civic import Announcement, Ballot, Poll
from backend.db.models_perks import Perk, Venue
from backend.db.models_residency import Activity
from backend.residency import activities as acts
from backend.residency.checkins import RotatingCode
from backend.web.qr import qr_svg


class SessionOut(BaseModel):
    token: str = Field(description="Bearer token for API clients (browsers also get an HTTP-only cookie)")
    token_type: str = "bearer"
    expires_at: int


class SignedOut(BaseModel):
    signed_out: bool


class VenueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name_ja: str
    name_en: str


class PerkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    collection_id: int
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    kind: str
    min_tier: int
    soulbound_only: bool
    min_holding_days: int
    limit_count: int | None
    limit_period: str
    active: bool
    venues: list[VenueOut] = []


def perk_out(perk: Perk, venues: list[Venue]) -> PerkOut:
    return PerkOut.model_validate(perk).model_copy(update={"venues": [VenueOut.model_validate(v) for v in venues]})


class VoucherOut(BaseModel):
    id: int
    campaign_id: int = Field(description="The campaign's handle in URLs (/me/campaigns/{id}/claim); not a number to show")
    onchain_id: int = Field(description="The campaign number: its id on the minter, the voucher's campaignId")
    recipient: str
    deadline: int
    voucher: dict


def voucher_out(v: CampaignVoucher) -> VoucherOut:
    return VoucherOut(id=v.id, campaign_id=v.campaign_id, onchain_id=int(v.document["voucher"]["campaignId"]),
                      recipient=v.recipient, deadline=v.deadline, voucher=v.document)


class ActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title_ja: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    days: list[str] = Field(min_length=1, max_length=31, description="Japan dates YYYY-MM-DD")
    place: str = Field(default="", max_length=300)
    organiser: str = Field(default="", max_length=200)


class ActivityOut(BaseModel):
    id: int
    municipality_id: int
    title_ja: str
    title_en: str
    place: str
    organiser: str
    days: list[str]
    designated: bool
    active: bool
    partner_id: int | None


def activity_outs(db, activities: list[Activity]) -> list[ActivityOut]:
    days = acts.days_of(db, [a.id for a in activities])
    return [ActivityOut(id=a.id, municipality_id=a.municipality_id, title_ja=a.title_ja, title_en=a.title_en,
                        place=a.place, organiser=a.organiser, days=days[a.id], designated=a.designated,
                        active=a.active, partner_id=a.partner_id) for a in activities]


def activity_spec(body: ActivityIn) -> acts.ActivitySpec:
    return acts.ActivitySpec(body.title_ja, body.title_en, body.days, body.place, body.organiser)


class QrOut(BaseModel):
    activity_id: int
    token: str = Field(description="The QR code's text")
    code: str = Field(description="The same, to type by hand")
    seconds_left: float
    period: int
    svg: str = Field(description="The QR code as an SVG image")


def qr_out(codes: RotatingCode, activity: Activity) -> QrOut:
    now = codes.current(activity.id)
    svg = qr_svg(now.token)
    return QrOut(activity_id=activity.id, token=now.token, code=now.code, seconds_left=now.seconds_left,
                 period=codes.period, svg=svg)


class GrantOut(BaseModel):
    grant_id: int
    status: str
    kind: str
    valid_until: int | None
    tx_hashes: list[str]


MAX_INT = 2**63 - 1


class QuestionOut(BaseModel):
    id: int
    position: int
    kind: str
    text_ja: str
    text_en: str
    options: list[dict]
    min_choices: int
    max_choices: int
    required: bool


class PollOut(BaseModel):
    id: int
    municipality_id: int
    collection_id: int
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    opens_at: int
    closes_at: int
    min_tier: int
    one_vote_per: str
    status: str
    questions: list[QuestionOut]
    voters: int | None = None


def poll_out(session, poll: Poll, now: float, *, voters: bool = False) -> PollOut:
    qs = [QuestionOut(id=q.id, position=q.position, kind=q.kind, text_ja=q.text_ja, text_en=q.text_en,
                      options=q.options or [], min_choices=q.min_choices, max_choices=q.max_choices,
                      required=q.required) for q in polls.questions_of(session, poll.id)]
    count = session.scalar(select(func.count(Ballot.id)).where(Ballot.poll_id == poll.id)) if voters else None
    return PollOut(id=poll.id, municipality_id=poll.municipality_id, collection_id=poll.collection_id,
                   title_ja=poll.title_ja, title_en=poll.title_en, description_ja=poll.description_ja,
                   description_en=poll.description_en, opens_at=poll.opens_at, closes_at=poll.closes_at,
                   min_tier=poll.min_tier, one_vote_per=poll.one_vote_per, status=polls.status_of(poll, now),
                   questions=qs, voters=count)


class BallotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    poll_id: int
    token_id: int
    voter: str
    answers_hash: str
    signature: str
    cast_at: int
    typed_data: dict


def ballot_out(b: Ballot) -> BallotOut:
    return BallotOut.model_validate(b)


class AnnouncementOut(BaseModel):
    id: int
    collection_id: int
    kind: str
    title_ja: str
    title_en: str
    body_ja: str
    body_en: str
    min_tier: int
    max_tier: int | None
    published_at: int
    read: bool | None = None
    personal: bool = False
    email: bool = False
    emails_queued: int | None = None


def announcement_out(a: Announcement, read: bool | None = None, staff: bool = False) -> AnnouncementOut:
    return AnnouncementOut(id=a.id, collection_id=a.collection_id, kind=a.kind, title_ja=a.title_ja,
                           title_en=a.title_en, body_ja=a.body_ja, body_en=a.body_en, min_tier=a.min_tier,
                           max_tier=a.max_tier, published_at=a.published_at, read=read,
                           personal=a.recipient is not None, email=a.email,
                           emails_queued=a.emails_queued if staff else None)


class OptionResult(BaseModel):
    index: int
    ja: str
    en: str
    votes: int


class QuestionResult(BaseModel):
    id: int
    position: int
    kind: str
    text_ja: str
    text_en: str
    answered: int | None = Field(default=None, description="Free-text questions: how many answered")
    answers: list[Any] | None = Field(default=None, description="Free-text questions, staff only: the answers")
    options: list[OptionResult] | None = Field(default=None, description="Choice questions: votes per option")


class PollResultsOut(BaseModel):
    """Serve with `response_model_exclude_unset=True`: a question has only the keys of its kind."""

    poll_id: int
    status: str
    one_vote_per: str
    voters: int
    eligible: int
    turnout: float = Field(description="voters / eligible (0-1)")
    questions: list[QuestionResult]
