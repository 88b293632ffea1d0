"""A year of demo history for `make run`, so the console's charts and KPIs show something: a few hundred cards
issued week by week, a few revoked, perks used at the venues, activity check-ins and a closed poll with ballots.

Two halves, one plan. `schedule()` is pure: the cards and when they were issued or revoked. scripts/demo.py
carries it out on the chain, each transaction in a block with that past time (`evm_setNextBlockTimestamp` on
an anvil whose genesis is a year back, tools/run_local.py), so the index, the holder page and the desk see real
cards with their real issue dates. `seed_history()` then adds what happens off the chain, as the backend
would have written it (redemptions, check-ins, ballots: rows with past times), for the indexed cards only, and
marks the municipality as demo data (`demo_data`); with the mark present it does nothing, so it runs once.

Everything is drawn from one seeded random generator: the same history every time, counts that tests can
bound. Holders are made-up addresses; every third has a key derived from its number, so its ballot is really
signed (anyone can re-verify a ballot, demo ones too).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.civic import ballots as ballot_rules
from backend.civic import polls
from backend.db.models_chain import ACTIVE, Card, Collection
from backend.db.models_civic import Ballot, Poll
from backend.db.models_demo import DemoData
from backend.demo_mark import mark_demo
from backend.db.models_perks import Perk, PerkVenue, Redemption, VenueAccount
from backend.db.models_residency import Activity, CheckIn
from backend.perks.rules import DAY_SECONDS, JST, japan_date, period_key
from backend.residency.activities import ActivitySpec, create_activity

HISTORY_DAYS = 365
WEEKS = 52
YEAR = 365 * DAY_SECONDS
BASIC, PREMIUM = 0, 1
SEED = 13
PREMIUM_DAYS = 182
VOTER_EVERY = 3  # holders 0, 3, 6, ... have keys (and vote)


@dataclass(frozen=True)
class Issue:
    at: int
    tier: int
    expires_at: int  # 0 = never
    holders: tuple[int, ...]  # holder numbers


@dataclass(frozen=True)
class Revoke:
    at: int
    holder: int


def history_start(now: float) -> int:
    """The first second of the history: a year before `now` (whole hours, so re-runs agree within the hour)."""
    return int(now) - HISTORY_DAYS * DAY_SECONDS + 3600


def genesis_time(now: float) -> int:
    """The genesis time of a chain that will carry the history (tools/run_local.py): before its start."""
    return history_start(now) - 2 * 3600


def holder_key(number: int) -> bytes:
    return keccak(text=f"resident demo holder {number}")


def holder_address(number: int) -> str:
    """A demo holder's address: from its key for voters, else made up (deriving a key costs ~6 ms in Python)."""
    if number % VOTER_EVERY == 0:
        return Account.from_key(holder_key(number)).address
    return to_checksum_address(keccak(text=f"resident demo resident {number}")[12:])


def schedule(start: int) -> list[Issue | Revoke]:
    """The on-chain history in time order: a launch of larger weekly batches, then a steady trickle; every
    fourth week a few premium cards valid half a year (the early ones have lapsed by now); now and then a
    revocation."""
    rng = random.Random(SEED)
    actions: list[Issue | Revoke] = []
    number = 0
    for week in range(WEEKS):
        at = start + week * 7 * DAY_SECONDS + rng.randint(1, 5) * DAY_SECONDS + rng.randint(9, 17) * 3600
        size = rng.randint(2, 7) + (14 - 4 * week if week < 3 else 0)
        actions.append(Issue(at, BASIC, 0, tuple(range(number, number + size))))
        number += size
        if week % 4 == 1:
            size = rng.randint(1, 4)
            actions.append(Issue(at + 600, PREMIUM, at + 600 + PREMIUM_DAYS * DAY_SECONDS,
                                 tuple(range(number, number + size))))
            number += size
        if week % 9 == 8:
            actions.append(Revoke(at + 1200, rng.randrange(number - 20)))
    return actions


def holders_of(actions) -> list[int]:
    return [n for a in actions if isinstance(a, Issue) for n in a.holders]


# --- off the chain ----------------------------------------------------------------------------------------
PAST_ACTIVITIES = [
    ("秋吉台の山焼きボランティア", "Akiyoshidai grassland burning (volunteers)", "秋吉台", "秋吉台草原保存会"),
    ("美祢市の空き家見学会", "Tour of Mine's vacant houses", "美祢市役所", "美祢市 定住促進課"),
    ("オンライン移住相談会", "Online moving-to-Mine consultation", "オンライン", "美祢市 定住促進課"),
]
POLL_TITLE_EN = "Which local festival should we bring back first?"


@dataclass
class HistorySeed:
    cards: int = 0
    redemptions: int = 0
    checkins: int = 0
    ballots: int = 0
    poll_id: int | None = None
    seeded_now: bool = False


def _day_time(rng: random.Random, after: int, before: int) -> int | None:
    """A moment between two times in Japan's opening hours (10:00-17:00), or None if there is no room."""
    if before - after < DAY_SECONDS:
        return None
    at = rng.randint(after, before - DAY_SECONDS)
    local = datetime.fromtimestamp(at, JST)
    at += rng.randint(10 * 3600, 17 * 3600) - (local.hour * 3600 + local.minute * 60 + local.second)
    return at if at > after else at + DAY_SECONDS


def seed_history(db: Session, collection: Collection, now: float | None = None) -> HistorySeed:
    """Redemptions, check-ins and a closed poll with ballots for the demo history's indexed cards, and the
    demo mark; nothing when the mark says the history is there already. The caller commits."""
    now = int(time.time() if now is None else now)
    result = HistorySeed()
    mark = db.get(DemoData, collection.municipality_id)
    if mark is not None and mark.history_from is not None:
        return result
    numbers = {holder_address(n): n for n in holders_of(schedule(history_start(now)))}
    cards = [c for c in db.scalars(select(Card).where(Card.collection_id == collection.id).order_by(Card.token_id))
             if c.owner in numbers]
    if not cards:
        return result
    rng = random.Random(SEED)
    result.cards = len(cards)
    result.redemptions = _redemptions(db, rng, collection, cards, now)
    result.checkins = _checkins(db, rng, collection.municipality_id, cards, now)
    result.poll_id, result.ballots = _closed_poll(db, rng, collection, cards, numbers, now)
    mark_demo(db, collection.municipality_id, now, history_from=min(c.issued_at for c in cards))
    result.seeded_now = True
    return result


def _redemptions(db: Session, rng: random.Random, collection: Collection, cards: list[Card], now: int) -> int:
    rows = []
    for perk in db.scalars(select(Perk).where(Perk.collection_id == collection.id).order_by(Perk.id)):
        venue_id = db.scalar(select(PerkVenue.venue_id).where(PerkVenue.perk_id == perk.id))
        if venue_id is None:
            continue  # an online perk: nothing is redeemed at a desk
        desk = db.scalar(select(VenueAccount.id).where(VenueAccount.venue_id == venue_id))
        # Some holders use a perk, at a steady rate of their own per month held (cave: now and then; the
        # coworking space: a few regulars), so uses grow with the cards, not with how new a card is.
        share, monthly = (0.5, 0.35) if perk.limit_period == "day" else (0.15, 0.9)
        for card in cards:
            if rng.random() > share:
                continue
            used: dict[str | None, int] = {}
            rate = monthly * rng.uniform(0.3, 1.7)
            for month_start in range(card.issued_at, now, 30 * DAY_SECONDS):
                month_end = min(month_start + 30 * DAY_SECONDS, now)
                if rng.random() > rate * (month_end - month_start) / (30 * DAY_SECONDS):  # a part month: less
                    continue
                at = _day_time(rng, month_start, month_end)
                key = None if at is None else period_key(perk.limit_period, at)
                if at is None or used.get(key, 0) >= (perk.limit_count or 1_000_000):
                    continue
                used[key] = used.get(key, 0) + 1
                rows.append(Redemption(pass_id=rng.randbytes(16).hex(), perk_id=perk.id, card_id=card.id,
                                       venue_id=venue_id, venue_account_id=desk, holder=card.owner, redeemed_at=at,
                                       day=japan_date(at), period_key=key, slot=None if key is None else used[key]))
    db.add_all(rows)
    db.flush()
    return len(rows)


def _checkins(db: Session, rng: random.Random, municipality_id: int, cards: list[Card], now: int) -> int:
    """Check-ins to three past activities, each held on a Saturday every few weeks of the year."""
    activities = []
    first = min(c.issued_at for c in cards)
    for i, (title_ja, title_en, place, organiser) in enumerate(PAST_ACTIVITIES):
        activity = db.scalar(select(Activity).where(Activity.municipality_id == municipality_id,
                                                    Activity.title_en == title_en))
        days = sorted({japan_date(first + (i * 9 + k * 27) * DAY_SECONDS) for k in range(14)
                       if first + (i * 9 + k * 27) * DAY_SECONDS < now - DAY_SECONDS})
        if activity is None:
            activity = create_activity(db, municipality_id, ActivitySpec(title_ja, title_en, days, place, organiser))
            activity.created_at = first - 7 * DAY_SECONDS
        activities.append((activity, days))
    rows = []
    for card in cards:
        if rng.random() > 0.3:
            continue
        for activity, days in rng.sample(activities, rng.randint(1, len(activities))):
            open_days = [d for d in days if d >= japan_date(card.issued_at)]
            if not open_days:
                continue
            day = rng.choice(open_days)
            at = int(datetime.fromisoformat(day).replace(tzinfo=JST).timestamp()) + rng.randint(9 * 3600, 15 * 3600)
            rows.append(CheckIn(activity_id=activity.id, card_id=card.id, municipality_id=municipality_id,
                                holder=card.owner, day=day, checked_in_at=at))
    db.add_all(rows)
    db.flush()
    return len(rows)


def _closed_poll(db: Session, rng: random.Random, collection: Collection, cards: list[Card],
                 numbers: dict[str, int], now: int) -> tuple[int, int]:
    """A poll that ran for three weeks, four months ago; every holder with a key who had a card then voted."""
    poll = db.scalar(select(Poll).where(Poll.municipality_id == collection.municipality_id,
                                        Poll.title_en == POLL_TITLE_EN))
    opens = now - 120 * DAY_SECONDS
    if poll is None:
        poll = polls.create_poll(
            db, municipality_id=collection.municipality_id, collection_id=collection.id,
            title_ja="最初に復活させたい地域の祭り", title_en=POLL_TITLE_EN,
            description_ja="デジタル住民の声をもとに、来年復活させる祭りを決めました。",
            description_en="Digital residents chose which festival comes back next year.",
            opens_at=opens, closes_at=opens + 21 * DAY_SECONDS, min_tier=0, one_vote_per="card", created_by=None,
            questions=[polls.QuestionSpec("single", "復活させたい祭りを1つ選んでください", "Choose one festival",
                                          [{"ja": "秋芳洞の灯りまつり", "en": "Akiyoshi-do lantern festival"},
                                           {"ja": "美東の盆踊り", "en": "Mito Bon dance"},
                                           {"ja": "大嶺の花火大会", "en": "Omine fireworks"}])])
        poll.created_at = opens - 3 * DAY_SECONDS
    questions = polls.ballot_questions(polls.questions_of(db, poll.id))
    rows = []
    for card in cards:
        number = numbers[card.owner]
        if number % VOTER_EVERY or card.issued_at >= poll.closes_at or card.status != ACTIVE:
            continue
        answers = ballot_rules.normalize_answers(
            questions, {str(questions[0].id): [rng.choices([0, 1, 2], [5, 3, 2])[0]]})
        data = ballot_rules.typed_data(chain_id=collection.chain_id, contract=collection.address, poll_id=poll.id,
                                       token_id=card.token_id, answers_hash_hex=ballot_rules.answers_hash(answers),
                                       expires_at=poll.closes_at)
        signed = Account.sign_message(encode_typed_data(full_message=data), private_key=holder_key(number))
        rows.append(Ballot(poll_id=poll.id, card_id=card.id, token_id=card.token_id, voter=card.owner, person_key=None,
                           answers=answers, answers_hash=data["message"]["answersHash"], typed_data=data,
                           signature="0x" + bytes(signed.signature).hex(),
                           cast_at=rng.randint(max(poll.opens_at, card.issued_at), poll.closes_at - 1)))
    db.add_all(rows)
    db.flush()
    return poll.id, len(rows)
