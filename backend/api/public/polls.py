"""Polls seen by anyone: a poll and its questions, results after close, the signed ballots (re-verify),
and the unsubscribe link of a mail."""

from __future__ import annotations

from typing import Annotated

from eth_utils import to_checksum_address
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from backend.api.deps import Now, SessionDep, SettingsDep
from backend.api.schemas import BallotOut, PollOut, PollResultsOut, ballot_out, poll_out
from backend.civic import mail, polls
from backend.db.models_civic import Ballot
from backend.db.session import write_transaction
from backend.errors import Refusal
from backend.messages import bilingual, texts

router = APIRouter(tags=["public"])


@router.get("/polls/{poll_id}", response_model=PollOut, summary="A poll and its questions")
def read_poll(poll_id: int, session: SessionDep, now: Now) -> PollOut:
    """A poll with its questions and status."""
    return poll_out(session, polls.get_poll(session, poll_id), now)


@router.get("/polls/{poll_id}/results", response_model=PollResultsOut, response_model_exclude_unset=True,
            summary="Results (counts only), once the poll has closed")
def read_poll_results(poll_id: int, session: SessionDep, now: Now) -> PollResultsOut:
    """Counts per option, voters and turnout; 409 until the poll closes."""
    poll = polls.get_poll(session, poll_id)
    if now < poll.closes_at:
        raise Refusal("poll_not_closed", closes_at=poll.closes_at)
    return PollResultsOut.model_validate(polls.results(session, poll, now, with_text=False))


@router.get("/polls/{poll_id}/receipts", response_model=list[BallotOut], summary="Every signed ballot (re-verify)")
def read_poll_receipts(poll_id: int, session: SessionDep) -> list[BallotOut]:
    """The signed typed data of every ballot: anyone can recover each signer and check the card was theirs."""
    polls.get_poll(session, poll_id)
    rows = session.scalars(select(Ballot).where(Ballot.poll_id == poll_id).order_by(Ballot.id))
    return [ballot_out(b) for b in rows]


@router.get("/email/unsubscribe", response_class=HTMLResponse, summary="Unsubscribe link from a mail")
def unsubscribe_email(session: SessionDep, settings: SettingsDep, now: Now,
                      address: Annotated[str, Query(max_length=42)], token: Annotated[str, Query(max_length=64)]):
    """Stops mail to the address of the link (token-checked); answers a small page."""
    try:
        address = to_checksum_address(address)
    except ValueError:
        raise Refusal("address_invalid") from None
    write_transaction(session)
    mail.unsubscribe(session, settings, address, token, int(now))
    session.commit()
    said = texts("unsubscribed_body")  # catalogue text only: nothing from the request is written into the page
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{bilingual('unsubscribed')}</title>"
                        f"<p>{said.ja}</p><p>{said.en}</p>")
