"""Polls and surveys: create, who may vote, casting a signed ballot, results, turnout, CSV export.

One vote per card, or one per verified person (the municipality's choice per poll): the database's
UNIQUE(poll, card) and UNIQUE(poll, person_key) decide between racing ballots, so two concurrent votes
with the same card (or by the same person with two cards) cannot both be stored. Ballots are final:
there is no update path, so nothing can change a ballot during or after the poll.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.cards import CardView, card_by_token
from backend.civic import ballots
from backend.db.models_chain import ACTIVE, Card, Collection
from backend.db.models_civic import Ballot, Poll, PollQuestion
from backend.errors import Refusal
from backend.perks.rules import japan_time
from backend.staff.export import excel_csv


# --- creating ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text_ja: str
    text_en: str
    options: list[dict]  # [{"ja": ..., "en": ...}]
    min_choices: int = 1
    max_choices: int = 1
    required: bool = True


def check_questions(specs: list[QuestionSpec]) -> None:
    """Refuses questions staff cannot have meant (422 naming the question)."""
    if not specs:
        raise Refusal("poll_questions_missing")
    for n, q in enumerate(specs, start=1):
        if q.kind == "text":
            if q.options:
                raise Refusal("poll_question_invalid", detail="text_question_options", n=n)
            continue
        if len(q.options) < 2:
            raise Refusal("poll_question_invalid", detail="choice_question_options", n=n)
        if q.kind == "multiple" and not 0 <= q.min_choices <= q.max_choices <= len(q.options):
            raise Refusal("poll_question_invalid", detail="choice_range", n=n, options=len(q.options))
        if q.kind == "multiple" and q.max_choices < 1:
            raise Refusal("poll_question_invalid", detail="choice_none", n=n)


def create_poll(session: Session, *, municipality_id: int, collection_id: int, title_ja: str, title_en: str,
                description_ja: str, description_en: str, opens_at: int, closes_at: int, min_tier: int,
                one_vote_per: str, questions: list[QuestionSpec], created_by: int | None) -> Poll:
    collection = session.get(Collection, collection_id)
    if collection is None or collection.municipality_id != municipality_id:
        raise Refusal("collection_not_found", collection_id=collection_id)
    if closes_at <= opens_at:
        raise Refusal("poll_window_invalid")
    check_questions(questions)
    poll = Poll(municipality_id=municipality_id, collection_id=collection_id, title_ja=title_ja, title_en=title_en,
                description_ja=description_ja, description_en=description_en, opens_at=opens_at,
                closes_at=closes_at, min_tier=min_tier, one_vote_per=one_vote_per, created_by=created_by)
    session.add(poll)
    session.flush()
    for position, q in enumerate(questions):
        single = q.kind == "single"
        session.add(PollQuestion(poll_id=poll.id, position=position, kind=q.kind, text_ja=q.text_ja,
                                 text_en=q.text_en, options=list(q.options),
                                 min_choices=1 if single else (0 if q.kind == "text" else q.min_choices),
                                 max_choices=1 if single else (0 if q.kind == "text" else q.max_choices),
                                 required=q.required))
    session.flush()
    return poll


def questions_of(session: Session, poll_id: int) -> list[PollQuestion]:
    return list(session.scalars(select(PollQuestion).where(PollQuestion.poll_id == poll_id)
                                .order_by(PollQuestion.position)))


def ballot_questions(rows: list[PollQuestion]) -> list[ballots.Question]:
    return [ballots.Question(id=q.id, kind=q.kind, options=len(q.options or []), min_choices=q.min_choices,
                             max_choices=q.max_choices, required=q.required, label=f"Q{q.position + 1}")
            for q in rows]


def get_poll(session: Session, poll_id: int) -> Poll:
    poll = session.get(Poll, poll_id)
    if poll is None:
        raise Refusal("poll_not_found", poll_id=poll_id)
    return poll


def status_of(poll: Poll, now: float) -> str:
    if now < poll.opens_at:
        return "upcoming"
    return "open" if now < poll.closes_at else "closed"


# --- who may vote ---------------------------------------------------------------------------------------
def check_window(poll: Poll, now: float) -> None:
    if now < poll.opens_at:
        raise Refusal("poll_not_open", opens_at=poll.opens_at)
    if now >= poll.closes_at:
        raise Refusal("poll_closed", closes_at=poll.closes_at)


def ineligibility(poll: Poll, card: CardView | None, holder: str, now: float) -> Refusal | None:
    """Why `holder` may not vote with `card` in `poll` (None if they may), identity aside."""
    if card is None or card.collection_id != poll.collection_id:
        return Refusal("card_not_found", detail="not_in_poll_collection")
    if card.owner != to_checksum_address(holder):
        return Refusal("not_your_card")
    reason = card.invalid_reason(now)
    if reason is not None:
        return Refusal("not_eligible_card_invalid", reason=reason, extra={"reason": reason})
    if card.tier < poll.min_tier:
        return Refusal("not_eligible_tier", min_tier=poll.min_tier)
    return None


def person_key_for(poll: Poll, session: Session, holder: str, nullifier_of) -> str | None:
    """The ballot's person key: the identity nullifier in per-person polls (403 if unverified), else None."""
    if poll.one_vote_per != "person":
        return None
    key = nullifier_of(session, to_checksum_address(holder))
    if not key:
        raise not_verified()
    return key


def not_verified() -> Refusal:
    return Refusal("not_verified")


def ballot_typed_data(poll: Poll, card: CardView, normalized: dict, chain_id: int) -> dict:
    return ballots.typed_data(chain_id=chain_id, contract=card.contract, poll_id=poll.id, token_id=card.token_id,
                              answers_hash_hex=ballots.answers_hash(normalized), expires_at=poll.closes_at)


def normalize(session: Session, poll: Poll, answers: dict) -> dict:
    return ballots.normalize_answers(ballot_questions(questions_of(session, poll.id)), answers)


# --- casting --------------------------------------------------------------------------------------------
def cast(session: Session, poll: Poll, *, token_id: int, holder: str, answers: dict, signature: str, now: float,
         chain_id: int, nullifier_of, erc1271: Callable | None) -> Ballot:
    """Checks and stores one ballot (caller commits); raises a Refusal saying why not."""
    check_window(poll, now)
    card = card_by_token(session, poll.collection_id, token_id)
    refusal = ineligibility(poll, card, holder, now)
    if refusal is not None:
        raise refusal
    normalized = normalize(session, poll, answers)
    if _voted_with_card(session, poll, card.id):  # before the signature: a retry is told it already counted
        raise _already_voted()
    data = ballot_typed_data(poll, card, normalized, chain_id)
    raw = ballots.decode_signature(signature)
    if raw is None or not ballots.signed_by(data, raw, holder, erc1271):
        raise Refusal("bad_signature")
    person_key = person_key_for(poll, session, holder, nullifier_of)
    duplicate = _duplicate(session, poll, card.id, person_key)
    if duplicate:
        raise duplicate
    ballot = Ballot(poll_id=poll.id, card_id=card.id, token_id=card.token_id, voter=to_checksum_address(holder),
                    person_key=person_key, answers=normalized, answers_hash=data["message"]["answersHash"],
                    typed_data=data, signature="0x" + raw.hex(), cast_at=int(now))
    try:
        with session.begin_nested():
            session.add(ballot)
            session.flush()
    except IntegrityError:  # a concurrent ballot with the same card or person committed first
        raise _duplicate(session, poll, card.id, person_key) or _already_voted() from None
    return ballot


def _already_voted() -> Refusal:
    return Refusal("already_voted")


def _voted_with_card(session: Session, poll: Poll, card_id: int) -> bool:
    return session.scalar(select(Ballot.id).where(Ballot.poll_id == poll.id, Ballot.card_id == card_id)) is not None


def _duplicate(session: Session, poll: Poll, card_id: int, person_key: str | None) -> Refusal | None:
    if _voted_with_card(session, poll, card_id):
        return _already_voted()
    if person_key is not None and session.scalar(
            select(Ballot.id).where(Ballot.poll_id == poll.id, Ballot.person_key == person_key)) is not None:
        return Refusal("already_voted_person")
    return None


# --- results --------------------------------------------------------------------------------------------
def eligible_count(session: Session, poll: Poll, now: float) -> int:
    """Cards (per-card poll) or distinct holders (per-person poll, an upper bound on persons) that may vote:
    active, unexpired at `now` (or at close, for a closed poll), tier at least the poll's minimum."""
    at = min(now, poll.closes_at - 1)
    valid = (Card.collection_id == poll.collection_id, Card.status == ACTIVE, Card.tier >= poll.min_tier,
             (Card.expires_at == 0) | (Card.expires_at > at))
    what = func.count(func.distinct(Card.owner)) if poll.one_vote_per == "person" else func.count(Card.id)
    return int(session.scalar(select(what).where(*valid)) or 0)


def results(session: Session, poll: Poll, now: float, *, with_text: bool) -> dict:
    """Counts per option, free-text answers (staff only), voters, eligible and turnout."""
    rows = questions_of(session, poll.id)
    all_ballots = list(session.scalars(select(Ballot).where(Ballot.poll_id == poll.id).order_by(Ballot.id)))
    out_questions = []
    for q in rows:
        entry = {"id": q.id, "position": q.position, "kind": q.kind, "text_ja": q.text_ja, "text_en": q.text_en}
        if q.kind == "text":
            answers = [b.answers.get(str(q.id), "") for b in all_ballots]
            entry["answered"] = sum(1 for a in answers if a)
            if with_text:
                entry["answers"] = [a for a in answers if a]
        else:
            counts = [0] * len(q.options)
            for b in all_ballots:
                for i in b.answers.get(str(q.id), []):
                    if 0 <= i < len(counts):
                        counts[i] += 1
            entry["options"] = [{"index": i, "ja": o.get("ja", ""), "en": o.get("en", ""), "votes": counts[i]}
                                for i, o in enumerate(q.options)]
        out_questions.append(entry)
    voters = len(all_ballots)
    eligible = eligible_count(session, poll, now)
    return {"poll_id": poll.id, "status": status_of(poll, now), "one_vote_per": poll.one_vote_per,
            "voters": voters, "eligible": eligible, "turnout": round(voters / eligible, 4) if eligible else 0.0,
            "questions": out_questions}


def results_csv(session: Session, poll: Poll) -> bytes:
    """One row per ballot: time (JST), token, resident number, tier, voter, then one column per question
    (the chosen options' Japanese labels, or the free text), then the answers hash and signature."""
    rows = questions_of(session, poll.id)
    header = ["投票日時（日本時間）", "トークンID", "住民番号", "ランク", "投票者アドレス"]
    header += [f"Q{q.position + 1} {q.text_ja}" for q in rows] + ["回答ハッシュ", "署名"]
    query = (select(Ballot, Card.resident_number, Card.tier).join(Card, Card.id == Ballot.card_id)
             .where(Ballot.poll_id == poll.id).order_by(Ballot.cast_at, Ballot.id))

    def cells(ballot: Ballot, number: int, tier: int) -> list:
        out = [japan_time(ballot.cast_at), ballot.token_id,
               number, tier, ballot.voter]
        for q in rows:
            answer = ballot.answers.get(str(q.id))
            if q.kind == "text":
                out.append(answer or "")
            else:
                out.append(" / ".join(q.options[i].get("ja", str(i)) for i in (answer or []) if i < len(q.options)))
        return out + [ballot.answers_hash, ballot.signature]

    return excel_csv(header, (cells(*row) for row in session.execute(query)))


def voted_cards(session: Session, poll_id: int, card_ids: list[int]) -> set[int]:
    if not card_ids:
        return set()
    return set(session.scalars(select(Ballot.card_id).where(Ballot.poll_id == poll_id, Ballot.card_id.in_(card_ids))))
