"""Civic API: polls with EIP-712 ballots, announcements, holder email, inactivity (staff and holders).

Holders: GET /me/polls, GET /polls/{id}, GET /polls/{id}/ballot (the typed data to sign), POST
/polls/{id}/ballots, GET /polls/{id}/results (after close), GET /polls/{id}/receipts (signed ballots,
for anyone to re-verify), GET /me/announcements, POST /me/announcements/{id}/read, GET /me/notices,
GET|PUT|DELETE /me/email, POST /me/email/verify, GET /email/unsubscribe.
Staff: polls, results (+ CSV), announcements, the inactivity rule, its preview and run, civic KPIs.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Literal

from eth_utils import to_checksum_address
from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from backend.api.deps import ChainDep, SessionDep, SettingsDep
from backend.auth.deps import CurrentHolder, CurrentStaff, require_staff, require_staff_role, write_transaction
from backend.auth.holders import erc1271_check
from backend.auth.staff import StaffMember
from backend.cards import card_by_token, cards_of_owner
from backend.civic import announcements, inactivity, mail, polls
from backend.civic.identity import nullifier_lookup, verified_nullifier
from backend.civic.kpis import civic_kpis
from backend.db.models_chain import Municipality
from backend.db.models_civic import Announcement, Ballot, HolderEmail, Poll
from backend.errors import ApiError

router = APIRouter(tags=["civic"])
staff_router = APIRouter(prefix="/staff", tags=["staff civic"])

Viewer = Annotated[StaffMember, Depends(require_staff("viewer"))]
Editor = Annotated[StaffMember, Depends(require_staff("staff"))]
Admin = Annotated[StaffMember, Depends(require_staff("admin"))]
MAX_INT = 2**63 - 1


def clock(request: Request) -> float:
    """Now, from `app.state.civic_clock` when a test or a demo sets one (wall time otherwise)."""
    return getattr(request.app.state, "civic_clock", time.time)()


Now = Annotated[float, Depends(clock)]


def deliver_later(background: BackgroundTasks, request: Request) -> None:
    settings = request.app.state.settings
    if mail.enabled(settings):
        background.add_task(mail.deliver_outbox, request.app.state.session_factory, settings)


# --- schemas ----------------------------------------------------------------------------------------------
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


class MyPollCard(BaseModel):
    token_id: int
    tier: int
    voted: bool
    eligible: bool
    reason_code: str | None = None
    message_en: str | None = None
    message_ja: str | None = None


class MyPoll(BaseModel):
    poll: PollOut
    cards: list[MyPollCard]


class BallotRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    card: int = Field(ge=0, le=MAX_INT, description="The card's token id")
    answers: dict = Field(description='{"<question id>": [option indexes] | "free text"}')
    signature: str = Field(min_length=2, max_length=2000, description="eth_signTypedData_v4 of the ballot's typed data")


class BallotOut(BaseModel):
    id: int
    poll_id: int
    token_id: int
    voter: str
    answers_hash: str
    signature: str
    cast_at: int
    typed_data: dict


class TypedBallot(BaseModel):
    typed_data: dict = Field(description="Pass as-is to eth_signTypedData_v4 (JSON-stringified)")
    answers: dict
    answers_canonical: str
    answers_hash: str


# --- holders: polls ---------------------------------------------------------------------------------------
@router.get("/me/polls", response_model=list[MyPoll], summary="Polls I can see, per card: eligible? voted?")
def read_my_polls(holder: CurrentHolder, session: SessionDep, now: Now, request: Request) -> list[MyPoll]:
    """Polls of the collections whose cards the wallet holds (not yet closed for a week), newest first."""
    mine = cards_of_owner(session, holder.address)
    by_collection: dict[int, list] = {}
    for card in mine:
        by_collection.setdefault(card.collection_id, []).append(card)
    if not by_collection:
        return []
    rows = list(session.scalars(select(Poll).where(Poll.collection_id.in_(list(by_collection)),
                                                   Poll.closes_at > now - 7 * 86400)
                                .order_by(Poll.closes_at.desc(), Poll.id.desc())))
    verified = bool(nullifier_lookup(request.app.state)(session, holder.address))
    out = []
    for poll in rows:
        cards = by_collection[poll.collection_id]
        voted = polls.voted_cards(session, poll.id, [c.id for c in cards])
        entries = []
        for card in cards:
            refusal = polls.ineligibility(poll, card, holder.address, now)
            if refusal is None and poll.one_vote_per == "person" and not verified:
                refusal = polls.not_verified()
            entries.append(MyPollCard(token_id=card.token_id, tier=card.tier, voted=card.id in voted,
                                      eligible=refusal is None, reason_code=refusal.code if refusal else None,
                                      message_en=refusal.message_en if refusal else None,
                                      message_ja=refusal.message_ja if refusal else None))
        out.append(MyPoll(poll=poll_out(session, poll, now), cards=entries))
    return out


@router.get("/polls/{poll_id}", response_model=PollOut, summary="A poll and its questions")
def read_poll(poll_id: int, session: SessionDep, now: Now) -> PollOut:
    return poll_out(session, polls.get_poll(session, poll_id), now)


def _parse_answers(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        raise ApiError(422, "answers_invalid", "answers must be JSON, e.g. {\"12\": [0]}.",
                       "answers は JSON で指定してください（例: {\"12\": [0]}）。") from None
    if not isinstance(value, dict):
        raise ApiError(422, "answers_invalid", "answers must be a JSON object keyed by question id.",
                       "answers は設問IDをキーとする JSON オブジェクトにしてください。")
    return value


@router.get("/polls/{poll_id}/ballot", response_model=TypedBallot, summary="The EIP-712 ballot to sign")
def read_ballot_to_sign(poll_id: int, holder: CurrentHolder, session: SessionDep, settings: SettingsDep, now: Now,
                        card: Annotated[int, Query(ge=0, le=MAX_INT, description="The card's token id")],
                        answers: Annotated[str, Query(max_length=60_000, description="The answers as JSON")]
                        ) -> TypedBallot:
    """The exact typed data the wallet signs with eth_signTypedData_v4 for these answers and this card.

    Answers the same refusals as casting (closed, not eligible, answers invalid) before anything is signed.
    """
    poll = polls.get_poll(session, poll_id)
    polls.check_window(poll, now)
    view = card_by_token(session, poll.collection_id, card)
    refusal = polls.ineligibility(poll, view, holder.address, now)
    if refusal is not None:
        raise refusal
    normalized = polls.normalize(session, poll, _parse_answers(answers))
    data = polls.ballot_typed_data(poll, view, normalized, settings.chain_id)
    return TypedBallot(typed_data=data, answers=normalized,
                       answers_canonical=polls.ballots.canonical_answers(normalized),
                       answers_hash=data["message"]["answersHash"])


@router.post("/polls/{poll_id}/ballots", response_model=BallotOut, status_code=201, summary="Cast a signed ballot")
def cast_ballot(poll_id: int, body: BallotRequest, holder: CurrentHolder, session: SessionDep,
                settings: SettingsDep, chain: ChainDep, request: Request, now: Now) -> BallotOut:
    """Verifies the EIP-712 signature (EOA, or ERC-1271 for contract wallets), that the wallet holds the card
    now, eligibility, and one vote per card (or per verified person); stores the ballot for re-verification.
    """
    write_transaction(session)
    poll = polls.get_poll(session, poll_id)
    ballot = polls.cast(session, poll, token_id=body.card, holder=holder.address, answers=body.answers,
                        signature=body.signature, now=now, chain_id=settings.chain_id,
                        nullifier_of=nullifier_lookup(request.app.state),
                        erc1271=erc1271_check(chain))
    inactivity.record_activity(session, holder.address, int(now), "vote")
    session.commit()
    return _ballot_out(ballot)


def _ballot_out(b: Ballot) -> BallotOut:
    return BallotOut(id=b.id, poll_id=b.poll_id, token_id=b.token_id, voter=b.voter, answers_hash=b.answers_hash,
                     signature=b.signature, cast_at=b.cast_at, typed_data=b.typed_data)


@router.get("/polls/{poll_id}/results", summary="Results (counts only), once the poll has closed")
def read_poll_results(poll_id: int, session: SessionDep, now: Now) -> dict:
    poll = polls.get_poll(session, poll_id)
    if now < poll.closes_at:
        raise ApiError(409, "poll_not_closed", "Results are published when the poll closes.",
                       "結果は投票の締切後に公開されます。", closes_at=poll.closes_at)
    return polls.results(session, poll, now, with_text=False)


@router.get("/polls/{poll_id}/receipts", response_model=list[BallotOut], summary="Every signed ballot (re-verify)")
def read_poll_receipts(poll_id: int, session: SessionDep) -> list[BallotOut]:
    """The signed typed data of every ballot: anyone can recover each signer and check the card was theirs."""
    polls.get_poll(session, poll_id)
    rows = session.scalars(select(Ballot).where(Ballot.poll_id == poll_id).order_by(Ballot.id))
    return [_ballot_out(b) for b in rows]


# --- holders: announcements, notices, email ---------------------------------------------------------------
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


class MyAnnouncements(BaseModel):
    unread: int
    announcements: list[AnnouncementOut]


def announcement_out(a: Announcement, read: bool | None = None, staff: bool = False) -> AnnouncementOut:
    return AnnouncementOut(id=a.id, collection_id=a.collection_id, kind=a.kind, title_ja=a.title_ja,
                           title_en=a.title_en, body_ja=a.body_ja, body_en=a.body_en, min_tier=a.min_tier,
                           max_tier=a.max_tier, published_at=a.published_at, read=read,
                           personal=a.recipient is not None, email=a.email,
                           emails_queued=a.emails_queued if staff else None)


@router.get("/me/announcements", response_model=MyAnnouncements, summary="News and notices for me")
def read_my_announcements(holder: CurrentHolder, session: SessionDep, now: Now) -> MyAnnouncements:
    rows = announcements.for_holder(session, holder.address, now)
    return MyAnnouncements(unread=sum(1 for _, read in rows if not read),
                           announcements=[announcement_out(a, read) for a, read in rows])


@router.post("/me/announcements/{announcement_id}/read", response_model=MyAnnouncements,
             summary="Mark an announcement read")
def mark_announcement_read(announcement_id: int, holder: CurrentHolder, session: SessionDep,
                           now: Now) -> MyAnnouncements:
    write_transaction(session)
    announcements.mark_read(session, holder.address, announcement_id, int(now))
    session.commit()
    return read_my_announcements(holder, session, now)


class NoticeOut(BaseModel):
    id: int
    token_id: int
    status: str
    noticed_at: int
    deadline_at: int
    resolved_at: int | None
    message_en: str
    message_ja: str


@router.get("/me/notices", response_model=list[NoticeOut], summary="Inactivity notices about my cards")
def read_my_notices(holder: CurrentHolder, session: SessionDep) -> list[NoticeOut]:
    """Open notices say what to do (signing in is enough, and by doing so you just did it)."""
    from backend.db.models_chain import Card

    out = []
    for n in inactivity.notices_of(session, holder.address):
        card = session.get(Card, n.card_id)
        text = {
            "open": ("Your card was inactive; signing in is enough to keep it. Staff will see your activity at the "
                     "next check.", "長期間ご利用がなかったカードです。サインインするだけで維持されます（次回の確認で反映されます）。"),
            "cancelled": ("Cancelled: you were active again.", "取り消し済み: ご利用が確認されました。"),
            "revoked": ("The card was revoked after the notice period without activity.",
                        "通知期間中にご利用がなかったため、カードは取り消されました。"),
            "failed": ("Revocation failed; staff will look at it.", "取り消し処理に失敗しました。職員が確認します。"),
        }[n.status]
        out.append(NoticeOut(id=n.id, token_id=card.token_id, status=n.status, noticed_at=n.noticed_at,
                             deadline_at=n.deadline_at, resolved_at=n.resolved_at, message_en=text[0],
                             message_ja=text[1]))
    return out


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=254)
    lang: Literal["ja", "en"] = "ja"


class EmailCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=12)


class EmailOut(BaseModel):
    enabled: bool = Field(description="Whether this server sends email at all")
    email: str | None = None
    lang: str | None = None
    verified: bool = False
    unsubscribed: bool = False


def _email_out(settings, row: HolderEmail | None) -> EmailOut:
    if row is None:
        return EmailOut(enabled=mail.enabled(settings))
    return EmailOut(enabled=mail.enabled(settings), email=row.email, lang=row.lang,
                    verified=row.verified_at is not None, unsubscribed=row.unsubscribed_at is not None)


@router.get("/me/email", response_model=EmailOut, summary="My email address for news")
def read_my_email(holder: CurrentHolder, session: SessionDep, settings: SettingsDep) -> EmailOut:
    return _email_out(settings, session.get(HolderEmail, holder.address))


@router.put("/me/email", response_model=EmailOut, summary="Give an email address (a code is mailed to it)")
def set_my_email(body: EmailIn, holder: CurrentHolder, session: SessionDep, settings: SettingsDep, now: Now,
                 background: BackgroundTasks, request: Request) -> EmailOut:
    write_transaction(session)
    row = mail.set_address(session, settings, holder.address, body.email, body.lang, int(now))
    session.commit()
    deliver_later(background, request)
    return _email_out(settings, row)


@router.post("/me/email/verify", response_model=EmailOut, summary="Confirm the address with the mailed code")
def verify_my_email(body: EmailCodeIn, holder: CurrentHolder, session: SessionDep, settings: SettingsDep,
                    now: Now) -> EmailOut:
    write_transaction(session)
    try:
        row = mail.verify_address(session, holder.address, body.code, int(now))
    except ApiError:
        session.commit()  # keep the counted attempt
        raise
    session.commit()
    return _email_out(settings, row)


@router.delete("/me/email", response_model=EmailOut, summary="Forget my email address")
def delete_my_email(holder: CurrentHolder, session: SessionDep, settings: SettingsDep) -> EmailOut:
    write_transaction(session)
    row = session.get(HolderEmail, holder.address)
    if row is not None:
        session.delete(row)
    session.commit()
    return _email_out(settings, None)


@router.get("/email/unsubscribe", response_class=HTMLResponse, summary="Unsubscribe link from a mail")
def unsubscribe_email(session: SessionDep, settings: SettingsDep, now: Now,
                      address: Annotated[str, Query(max_length=42)], token: Annotated[str, Query(max_length=64)]):
    try:
        address = to_checksum_address(address)
    except ValueError:
        raise ApiError(422, "address_invalid", "Not a wallet address.", "ウォレットアドレスではありません。") from None
    write_transaction(session)
    mail.unsubscribe(session, settings, address, token, int(now))
    session.commit()
    return HTMLResponse("<!doctype html><meta charset=utf-8><title>配信停止 / Unsubscribed</title>"
                        "<p>メール配信を停止しました。アプリ内のお知らせは引き続きご覧いただけます。</p>"
                        "<p>You will no longer receive email. News stay visible in the app.</p>")


# --- staff: polls -------------------------------------------------------------------------------------------
@staff_router.post("/municipalities/{municipality_id}/polls", response_model=PollOut, status_code=201,
                   summary="Create a poll or survey")
def create_poll(municipality_id: int, body: PollIn, staff: Editor, session: SessionDep, now: Now) -> PollOut:
    write_transaction(session)
    if session.get(Municipality, municipality_id) is None:
        raise ApiError(404, "municipality_not_found", f"No municipality {municipality_id}.",
                       f"自治体 {municipality_id} はありません。")
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


@staff_router.get("/municipalities/{municipality_id}/polls", response_model=list[PollOut], summary="Polls")
def list_polls(municipality_id: int, staff: Viewer, session: SessionDep, now: Now) -> list[PollOut]:
    rows = list(session.scalars(select(Poll).where(Poll.municipality_id == municipality_id).order_by(Poll.id.desc())))
    return [poll_out(session, p, now, voters=True) for p in rows]


@staff_router.get("/polls/{poll_id}/results", summary="Results with free-text answers, turnout")
def read_results(poll_id: int, staff: CurrentStaff, session: SessionDep, now: Now) -> dict:
    poll = polls.get_poll(session, poll_id)
    require_staff_role(staff, poll.municipality_id, "viewer")
    return polls.results(session, poll, now, with_text=True)


@staff_router.get("/polls/{poll_id}/results.csv", summary="Ballots as CSV (Excel: UTF-8 BOM)",
                  response_class=Response)
def export_results(poll_id: int, staff: CurrentStaff, session: SessionDep) -> Response:
    poll = polls.get_poll(session, poll_id)
    require_staff_role(staff, poll.municipality_id, "viewer")
    return Response(polls.results_csv(session, poll), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="poll-{poll.id}-ballots.csv"'})


# --- staff: announcements ------------------------------------------------------------------------------------
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


@staff_router.post("/municipalities/{municipality_id}/announcements", response_model=AnnouncementOut,
                   status_code=201, summary="Post news to a collection's holders (optionally by tier, by email)")
def post_announcement(municipality_id: int, body: AnnouncementIn, staff: Editor, session: SessionDep,
                      settings: SettingsDep, now: Now, background: BackgroundTasks,
                      request: Request) -> AnnouncementOut:
    write_transaction(session)
    a = announcements.post(session, settings, municipality_id=municipality_id, collection_id=body.collection_id,
                           title_ja=body.title_ja, title_en=body.title_en, body_ja=body.body_ja,
                           body_en=body.body_en, min_tier=body.min_tier, max_tier=body.max_tier, email=body.email,
                           created_by=staff.id, now=int(now))
    session.commit()
    if a.emails_queued:
        deliver_later(background, request)
    return announcement_out(a, staff=True)


@staff_router.get("/municipalities/{municipality_id}/announcements", response_model=list[AnnouncementOut],
                  summary="News posted")
def list_announcements(municipality_id: int, staff: Viewer, session: SessionDep) -> list[AnnouncementOut]:
    rows = session.scalars(select(Announcement).where(Announcement.municipality_id == municipality_id,
                                                      Announcement.kind == "news")
                           .order_by(Announcement.published_at.desc(), Announcement.id.desc()).limit(200))
    return [announcement_out(a, staff=True) for a in rows]


# --- staff: inactivity ---------------------------------------------------------------------------------------
class InactivityRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool
    inactive_days: int = Field(ge=30, le=3650, description="Days without activity before a notice")
    notice_days: int = Field(ge=7, le=365, description="Days after the notice before the card is revoked")


class InactivityRuleOut(InactivityRuleIn):
    municipality_id: int


@staff_router.get("/municipalities/{municipality_id}/inactivity", response_model=InactivityRuleOut,
                  summary="The inactivity rule")
def read_inactivity_rule(municipality_id: int, staff: Viewer, session: SessionDep) -> InactivityRuleOut:
    r = inactivity.rule_of(session, municipality_id)
    return InactivityRuleOut(municipality_id=municipality_id, enabled=r.enabled, inactive_days=r.inactive_days,
                             notice_days=r.notice_days)


@staff_router.put("/municipalities/{municipality_id}/inactivity", response_model=InactivityRuleOut,
                  summary="Set the inactivity rule (admin)")
def save_inactivity_rule(municipality_id: int, body: InactivityRuleIn, staff: Admin, session: SessionDep,
                         now: Now) -> InactivityRuleOut:
    write_transaction(session)
    if session.get(Municipality, municipality_id) is None:
        raise ApiError(404, "municipality_not_found", f"No municipality {municipality_id}.",
                       f"自治体 {municipality_id} はありません。")
    r = inactivity.save_rule(session, municipality_id, enabled=body.enabled, inactive_days=body.inactive_days,
                             notice_days=body.notice_days, now=int(now))
    session.commit()
    return InactivityRuleOut(municipality_id=municipality_id, enabled=r.enabled, inactive_days=r.inactive_days,
                             notice_days=r.notice_days)


@staff_router.get("/municipalities/{municipality_id}/inactivity/preview", summary="What a run would do now")
def preview_inactivity(municipality_id: int, staff: Viewer, session: SessionDep, now: Now) -> dict:
    todo = inactivity.plan(session, municipality_id, int(now))
    return {"summary": todo.summary(), "notify": todo.notify[:500], "cancel": todo.cancel[:500],
            "revoke": todo.revoke[:500], "waiting": todo.waiting[:500]}


@staff_router.post("/municipalities/{municipality_id}/inactivity/run", summary="Run the inactivity job now (admin)")
def run_inactivity_now(municipality_id: int, staff: Admin, request: Request, now: Now) -> dict:
    """Sends due notices (their mails are queued; the mail job sends them), cancels answered ones, revokes
    cards whose notice ran out (with the issuer key; without RESIDENT_ISSUER_KEY those are reported as skipped)."""
    state = request.app.state
    return inactivity.run_inactivity(state.session_factory, state.settings, state.issuer,
                                     municipality_id=municipality_id, now=int(now))


@staff_router.get("/municipalities/{municipality_id}/civic-kpis", summary="Turnout, notices, revocations")
def read_civic_kpis(municipality_id: int, staff: Viewer, session: SessionDep, now: Now) -> dict:
    return civic_kpis(session, municipality_id, now)


def include(app: FastAPI) -> None:
    if not hasattr(app.state, "nullifier_of"):
        app.state.nullifier_of = verified_nullifier  # who is verified: the residency identity records
    app.include_router(router)
    app.include_router(staff_router)
