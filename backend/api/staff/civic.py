"""Civic features run by staff: polls and their results, announcements, the inactivity rule, civic KPIs."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend.api.deps import (
    Admin, CurrentStaff, Editor, MailLater, Now, OptionalIssuerDep, SessionDep, SessionsDep, SettingsDep, Viewer,
    require_staff_role,
)
from backend.api.schemas import MAX_INT, AnnouncementOut, PollOut, PollResultsOut, announcement_out, poll_out
from backend.civic import announcements, inactivity, polls
from backend.civic.kpis import civic_kpis
from backend.db.models_chain import Municipality
from backend.db.models_civic import Announcement, Poll
from backend.db.session import write_transaction
from backend.errors import Refusal

router = APIRouter(prefix="/staff", tags=["staff"])


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ja: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["single", "multiple", "text"]
    text_ja: str = Field(min_length=1, max_length=1000)
    text_en: str = Field(min_length=1, max_length=1000)
    options: list[OptionIn] = Field(default_factory=list, max_length=50)
    min_choices: int = Field(default=1, ge=0, le=50)
    max_choices: int = Field(default=1, ge=0, le=50)
    required: bool = True


class PollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection_id: int = Field(ge=1, le=MAX_INT)
    title_ja: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    description_ja: str = Field(default="", max_length=4000)
    description_en: str = Field(default="", max_length=4000)
    opens_at: int = Field(ge=0, le=MAX_INT, description="Unix time voting starts")
    closes_at: int = Field(ge=1, le=MAX_INT, description="Unix time voting ends (exclusive); the ballots' expiry")
    min_tier: int = Field(default=0, ge=0, le=255, description="0: every valid card; 1+: premium tiers only")
    one_vote_per: Literal["card", "person"] = "card"
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)


@router.post("/municipalities/{municipality_id}/polls", response_model=PollOut, status_code=201,
                   summary="Create a poll or survey")
def create_poll(municipality_id: int, body: PollIn, staff: Editor, session: SessionDep, now: Now) -> PollOut:
    """Creates a poll or survey for one of the municipality's collections."""
    write_transaction(session)
    if session.get(Municipality, municipality_id) is None:
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    specs = [polls.QuestionSpec(kind=q.kind, text_ja=q.text_ja, text_en=q.text_en,
                                options=[o.model_dump() for o in q.options], min_choices=q.min_choices,
                                max_choices=q.max_choices, required=q.required) for q in body.questions]
    poll = polls.create_poll(session, municipality_id=municipality_id, collection_id=body.collection_id,
                             title_ja=body.title_ja, title_en=body.title_en, description_ja=body.description_ja,
                             description_en=body.description_en, opens_at=body.opens_at, closes_at=body.closes_at,
                             min_tier=body.min_tier, one_vote_per=body.one_vote_per, questions=specs,
                             created_by=staff.id)
    session.commit()
    return poll_out(session, poll, now, voters=True)


@router.get("/municipalities/{municipality_id}/polls", response_model=list[PollOut], summary="Polls")
def list_polls(municipality_id: int, staff: Viewer, session: SessionDep, now: Now) -> list[PollOut]:
    """The municipality's polls with their voters, newest first."""
    rows = list(session.scalars(select(Poll).where(Poll.municipality_id == municipality_id).order_by(Poll.id.desc())))
    return [poll_out(session, p, now, voters=True) for p in rows]


@router.get("/polls/{poll_id}/results", response_model=PollResultsOut, response_model_exclude_unset=True,
            summary="Results with free-text answers, turnout")
def read_poll_results_for_staff(poll_id: int, staff: CurrentStaff, session: SessionDep, now: Now) -> PollResultsOut:
    """Results with the free-text answers (viewer of the poll's municipality)."""
    poll = polls.get_poll(session, poll_id)
    require_staff_role(staff, poll.municipality_id, "viewer")
    return PollResultsOut.model_validate(polls.results(session, poll, now, with_text=True))


@router.get("/polls/{poll_id}/results.csv", summary="Ballots as CSV (Excel: UTF-8 BOM)",
                  response_class=Response)
def export_poll_ballots(poll_id: int, staff: CurrentStaff, session: SessionDep) -> Response:
    """Every ballot as a CSV row."""
    poll = polls.get_poll(session, poll_id)
    require_staff_role(staff, poll.municipality_id, "viewer")
    return Response(polls.results_csv(session, poll), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="poll-{poll.id}-ballots.csv"'})


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection_id: int = Field(ge=1, le=MAX_INT)
    title_ja: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    body_ja: str = Field(default="", max_length=8000)
    body_en: str = Field(default="", max_length=8000)
    min_tier: int = Field(default=0, ge=0, le=255)
    max_tier: int | None = Field(default=None, ge=0, le=255)
    email: bool = False


@router.post("/municipalities/{municipality_id}/announcements", response_model=AnnouncementOut,
                   status_code=201, summary="Post news to a collection's holders (optionally by tier, by email)")
def post_announcement(municipality_id: int, body: AnnouncementIn, staff: Editor, session: SessionDep,
                      settings: SettingsDep, now: Now, mail_later: MailLater) -> AnnouncementOut:
    """Posts news to the holders of a collection (by tier, optionally by email too)."""
    write_transaction(session)
    a = announcements.post(session, settings, municipality_id=municipality_id, collection_id=body.collection_id,
                           title_ja=body.title_ja, title_en=body.title_en, body_ja=body.body_ja,
                           body_en=body.body_en, min_tier=body.min_tier, max_tier=body.max_tier, email=body.email,
                           created_by=staff.id, now=int(now))
    session.commit()
    if a.emails_queued:
        mail_later()
    return announcement_out(a, staff=True)


@router.get("/municipalities/{municipality_id}/announcements", response_model=list[AnnouncementOut],
                  summary="News posted")
def list_announcements(municipality_id: int, staff: Viewer, session: SessionDep) -> list[AnnouncementOut]:
    """The municipality's news, newest first."""
    rows = session.scalars(select(Announcement).where(Announcement.municipality_id == municipality_id,
                                                      Announcement.kind == "news")
                           .order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(200))
    return [announcement_out(a, staff=True) for a in rows]


class InactivityRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool
    inactive_days: int = Field(ge=30, le=3650, description="Days without activity before a notice")
    notice_days: int = Field(ge=7, le=365, description="Days after the notice before the card is revoked")


class InactivityRuleOut(InactivityRuleIn):
    municipality_id: int


@router.get("/municipalities/{municipality_id}/inactivity", response_model=InactivityRuleOut,
                  summary="The inactivity rule")
def read_inactivity_rule(municipality_id: int, staff: Viewer, session: SessionDep) -> InactivityRuleOut:
    """The municipality's inactivity rule."""
    r = inactivity.rule_of(session, municipality_id)
    return InactivityRuleOut(municipality_id=municipality_id, enabled=r.enabled, inactive_days=r.inactive_days,
                             notice_days=r.notice_days)


@router.put("/municipalities/{municipality_id}/inactivity", response_model=InactivityRuleOut,
                  summary="Set the inactivity rule (admin)")
def update_inactivity_rule(municipality_id: int, body: InactivityRuleIn, staff: Admin, session: SessionDep,
                         now: Now) -> InactivityRuleOut:
    """Sets the inactivity rule."""
    write_transaction(session)
    if session.get(Municipality, municipality_id) is None:
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    r = inactivity.save_rule(session, municipality_id, enabled=body.enabled, inactive_days=body.inactive_days,
                             notice_days=body.notice_days, now=int(now))
    session.commit()
    return InactivityRuleOut(municipality_id=municipality_id, enabled=r.enabled, inactive_days=r.inactive_days,
                             notice_days=r.notice_days)


class InactivityCounts(BaseModel):
    notify: int
    cancel: int
    revoke: int
    waiting: int


class InactivityPreviewOut(BaseModel):
    summary: InactivityCounts
    notify: list[dict] = Field(description="Cards to notice now (at most 500 listed)")
    cancel: list[dict] = Field(description="Open notices answered by activity, or whose card changed")
    revoke: list[dict] = Field(description="Open notices past their deadline without activity")
    waiting: list[dict] = Field(description="Open notices still within their notice period")


@router.get("/municipalities/{municipality_id}/inactivity/preview", response_model=InactivityPreviewOut,
            summary="What a run would do now")
def preview_inactivity(municipality_id: int, staff: Viewer, session: SessionDep, now: Now) -> InactivityPreviewOut:
    """The cards a run would notice, the notices it would cancel or revoke, those still waiting."""
    todo = inactivity.plan(session, municipality_id, int(now))
    return InactivityPreviewOut(summary=InactivityCounts(**todo.summary()), notify=todo.notify[:500],
                                cancel=todo.cancel[:500], revoke=todo.revoke[:500], waiting=todo.waiting[:500])


class InactivityRunOut(BaseModel):
    noticed: int
    cancelled: int
    revoked: list[dict] = Field(description="[{token_id, symbol, tx_hash}]")
    failed: list[dict] = Field(description="Revocations that reverted: [{token_id, error}]")
    skipped: int = Field(description="Revocations not sent: no issuer key")
    errors: list[dict] = Field(description="Revocations the chain did not take (tried again next run)")
    plan: InactivityCounts


@router.post("/municipalities/{municipality_id}/inactivity/run", response_model=InactivityRunOut,
             summary="Run the inactivity job now (admin)")
def run_inactivity_now(municipality_id: int, staff: Admin, now: Now, sessions: SessionsDep, settings: SettingsDep,
                       issuer: OptionalIssuerDep) -> InactivityRunOut:
    """Sends due notices (their mails are queued; the mail job sends them), cancels answered ones, revokes
    cards whose notice ran out (with the issuer key; without RESIDENT_ISSUER_KEY those are reported as skipped)."""
    report = inactivity.run_inactivity(sessions, settings, issuer,
                                       municipality_id=municipality_id, now=int(now))
    return InactivityRunOut(**report)


class PollTurnout(BaseModel):
    poll_id: int
    title_ja: str
    title_en: str
    status: str
    voters: int
    eligible: int
    turnout: float


class CivicKpisOut(BaseModel):
    as_of: int
    polls: list[PollTurnout]
    announcements: int
    notices_sent: int
    notices_open: int
    notices_cancelled: int
    cards_revoked_for_inactivity: int
    revocations_failed: int


@router.get("/municipalities/{municipality_id}/civic-kpis", response_model=CivicKpisOut,
            summary="Turnout, notices, revocations")
def read_civic_kpis(municipality_id: int, staff: Viewer, session: SessionDep, now: Now) -> CivicKpisOut:
    """Turnout per poll, news posted, inactivity notices and revocations."""
    return CivicKpisOut(**civic_kpis(session, municipality_id, now))
