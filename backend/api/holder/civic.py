"""The holder's civic side: polls per card and EIP-712 ballots, announcements, notices, email."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend.api.deps import ChainDep, CurrentHolder, MailLater, Now, NullifierLookupDep, SessionDep, SettingsDep
from backend.api.schemas import AnnouncementOut, BallotOut, MAX_INT, PollOut, announcement_out, ballot_out, poll_out
from backend.auth.holders import erc1271_check
from backend.cards import card_by_token, cards_of_owner
from backend.civic import announcements, inactivity, mail, polls
from backend.db.models_civic import HolderEmail, Poll
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.messages import texts

router = APIRouter(tags=["holder"])


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
    signature: str = Field(min_length=2, max_length=10_000,
                           description="eth_signTypedData_v4 of the ballot's typed data (ERC-6492 wrappers are longer)")


class TypedBallot(BaseModel):
    typed_data: dict = Field(description="Pass as-is to eth_signTypedData_v4 (JSON-stringified)")
    answers: dict
    answers_canonical: str
    answers_hash: str


@router.get("/me/polls", response_model=list[MyPoll], summary="Polls I can see, per card: eligible? voted?")
def read_my_polls(holder: CurrentHolder, session: SessionDep, now: Now,
                  nullifier_of: NullifierLookupDep) -> list[MyPoll]:
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
    verified = bool(nullifier_of(session, holder.address))
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


def _parse_answers(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refusal("answers_invalid", detail="answers_not_json") from None
    if not isinstance(value, dict):
        raise Refusal("answers_invalid", detail="answers_not_object")
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
                settings: SettingsDep, chain: ChainDep, nullifier_of: NullifierLookupDep, now: Now) -> BallotOut:
    """Verifies the EIP-712 signature (EOA, or ERC-1271 for contract wallets), that the wallet holds the card
    now, eligibility, and one vote per card (or per verified person); stores the ballot for re-verification.
    """
    write_transaction(session)
    poll = polls.get_poll(session, poll_id)
    ballot = polls.cast(session, poll, token_id=body.card, holder=holder.address, answers=body.answers,
                        signature=body.signature, now=now, chain_id=settings.chain_id,
                        nullifier_of=nullifier_of,
                        erc1271=erc1271_check(chain))
    inactivity.record_activity(session, holder.address, int(now), "vote")
    session.commit()
    return ballot_out(ballot)


class MyAnnouncements(BaseModel):
    unread: int
    announcements: list[AnnouncementOut]


@router.get("/me/announcements", response_model=MyAnnouncements, summary="News and notices for me")
def read_my_announcements(holder: CurrentHolder, session: SessionDep, now: Now) -> MyAnnouncements:
    """News and personal notices for my cards, with what I have read."""
    rows = announcements.for_holder(session, holder.address, now)
    return MyAnnouncements(unread=sum(1 for _, read in rows if not read),
                           announcements=[announcement_out(a, read) for a, read in rows])


@router.post("/me/announcements/{announcement_id}/read", response_model=MyAnnouncements,
             summary="Mark an announcement read")
def mark_announcement_read(announcement_id: int, holder: CurrentHolder, session: SessionDep,
                           now: Now) -> MyAnnouncements:
    """Marks one announcement read; answers the list again."""
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
        said = texts(f"notice_{n.status}")  # open, cancelled, revoked or failed
        out.append(NoticeOut(id=n.id, token_id=card.token_id, status=n.status, noticed_at=n.noticed_at,
                             deadline_at=n.deadline_at, resolved_at=n.resolved_at, message_en=said.en,
                             message_ja=said.ja))
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
    """The address news are mailed to, if any, and whether it is confirmed."""
    return _email_out(settings, session.get(HolderEmail, holder.address))


@router.put("/me/email", response_model=EmailOut, summary="Give an email address (a code is mailed to it)")
def set_my_email(body: EmailIn, holder: CurrentHolder, session: SessionDep, settings: SettingsDep, now: Now,
                 mail_later: MailLater) -> EmailOut:
    """Sets the address and mails a confirmation code to it."""
    write_transaction(session)
    row = mail.set_address(session, settings, holder.address, body.email, body.lang, int(now))
    session.commit()
    mail_later()
    return _email_out(settings, row)


@router.post("/me/email/verify", response_model=EmailOut, summary="Confirm the address with the mailed code")
def verify_my_email(body: EmailCodeIn, holder: CurrentHolder, session: SessionDep, settings: SettingsDep,
                    now: Now) -> EmailOut:
    """Confirms the address with the mailed code (attempts are counted)."""
    write_transaction(session)
    try:
        row = mail.verify_address(session, holder.address, body.code, int(now))
    except Refusal:
        session.commit()  # keep the counted attempt
        raise
    session.commit()
    return _email_out(settings, row)


@router.delete("/me/email", response_model=EmailOut, summary="Forget my email address")
def delete_my_email(holder: CurrentHolder, session: SessionDep, settings: SettingsDep) -> EmailOut:
    """Forgets the address: no more mail."""
    write_transaction(session)
    row = session.get(HolderEmail, holder.address)
    if row is not None:
        session.delete(row)
    session.commit()
    return _email_out(settings, None)
