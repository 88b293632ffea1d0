"""Holders as staff see them: a search over the municipality's cards and one card's page with its history.

Everything here reads the index and the backend's own tables (cards, card_events, check-ins, redemptions,
inactivity notices, card actions), never the chain: a card's page costs a handful of indexed queries,
however busy the node is. The caller checks the staff member's role in `municipality_id`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.db.models_chain import ACTIVE, Card, CardEvent, Collection
from backend.db.models_civic import InactivityNotice
from backend.db.models_holders import CardAction
from backend.db.models_perks import Perk, Redemption, Venue
from backend.db.models_residency import Activity, CheckIn
from backend.errors import Refusal
from backend.perks.rules import japan_date

ZERO_ADDRESS = "0x" + "00" * 20
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
# "12", "#12", "No.12", "No 12": how staff write a card's or a resident's number.
NUMBER_RE = re.compile(r"^(?:#|no\.?\s*)?(\d{1,9})$", re.IGNORECASE)
HISTORY_LIMIT = 500  # per source; a card with more check-ins than that shows its newest


@dataclass(frozen=True)
class Page:
    items: list[dict]
    total: int
    page: int
    per_page: int


def card_json(card: Card, symbol: str) -> dict:
    return {"card_id": card.id, "collection_id": card.collection_id, "symbol": symbol, "token_id": card.token_id,
            "resident_number": card.resident_number, "owner": card.owner, "tier": card.tier,
            "status": card.status, "issued_at": card.issued_at, "expires_at": card.expires_at or None,
            "locked": card.locked, "replaced_by": card.replaced_by}


def search(session: Session, municipality_id: int, query: str = "", *, status: str | None = None,
           page: int = 1, per_page: int = 20) -> Page:
    """The municipality's cards matching `query`, newest first: a wallet address (the cards it holds or last
    held), a number (a card id or a resident number: both are tried), or nothing (every card)."""
    query = query.strip()
    cond = [Collection.municipality_id == municipality_id]
    if ADDRESS_RE.match(query):
        cond.append(Card.owner == to_checksum_address(query))
    elif query:
        number = NUMBER_RE.match(query)
        if number is None:
            raise Refusal("holder_search_invalid")
        n = int(number.group(1))
        cond.append(or_(Card.token_id == n, Card.resident_number == n))
    if status == "active":
        cond.append(Card.status == ACTIVE)
    elif status:
        cond.append(Card.status != ACTIVE)
    base = select(Card, Collection.symbol).join(Collection, Collection.id == Card.collection_id).where(*cond)
    total = session.scalar(select(func.count()).select_from(
        select(Card.id).join(Collection, Collection.id == Card.collection_id).where(*cond).subquery()))
    newest_first = (Card.issued_at.desc(), Card.token_id.desc(), Card.id.desc())
    rows = session.execute(base.order_by(*newest_first).limit(per_page).offset((page - 1) * per_page)).all()
    return Page([card_json(card, symbol) for card, symbol in rows], int(total or 0), page, per_page)


def card_of(session: Session, municipality_id: int, card_id: int) -> tuple[Card, Collection]:
    """The card and its collection; 404 when it is not one of this municipality's cards (another town's card
    is as unknown here as a card that does not exist)."""
    card = session.get(Card, card_id)
    collection = session.get(Collection, card.collection_id) if card is not None else None
    if collection is None or collection.municipality_id != municipality_id:
        raise Refusal("card_not_found")
    return card, collection


def _entry(at: int, kind: str, **values) -> dict:
    return {"at": at, "date": japan_date(at), "kind": kind, **values}


def _chain_history(session: Session, card: Card) -> list[dict]:
    out = []
    events = list(session.scalars(select(CardEvent).where(CardEvent.collection_id == card.collection_id,
                                                     CardEvent.token_id == card.token_id)
                             .order_by(CardEvent.block_number.desc(), CardEvent.log_index.desc())
                             .limit(HISTORY_LIMIT)))
    # Issuing announces the lock state (ERC-5192) in the same transaction: not a change worth a line.
    minted = {ev.tx_hash for ev in events if ev.kind == "transfer" and (ev.args or {}).get("from") == ZERO_ADDRESS}
    for ev in events:
        args, chain = ev.args or {}, {"tx_hash": ev.tx_hash, "block": ev.block_number}
        if ev.kind == "transfer":
            if args.get("from") == ZERO_ADDRESS:
                out.append(_entry(ev.block_time, "issued", to=args.get("to"), **chain))
            elif args.get("to") != ZERO_ADDRESS:  # a burn is told by the revoke / re-issue that follows it
                out.append(_entry(ev.block_time, "transfer", **{"from": args.get("from")}, to=args.get("to"),
                                  **chain))
        elif ev.kind == "tier":
            out.append(_entry(ev.block_time, "tier", tier=args.get("tier"), **chain))
        elif ev.kind == "expiry":
            out.append(_entry(ev.block_time, "expiry", expires_at=args.get("expires") or None, **chain))
        elif ev.kind == "reissued":
            out.append(_entry(ev.block_time, "reissued", new_token_id=args.get("new"), to=args.get("holder"),
                              **chain))
        elif ev.kind in ("locked", "unlocked") and ev.tx_hash not in minted:
            out.append(_entry(ev.block_time, ev.kind, **chain))
        elif ev.kind in ("revoked", "opted_out"):
            out.append(_entry(ev.block_time, ev.kind, **chain))
    # A re-issued card's first event: where it came from (the old card's CardReissued names it).
    if card.resident_number:
        old = session.scalar(select(Card.token_id).where(Card.collection_id == card.collection_id,
                                                         Card.replaced_by == card.token_id))
        if old is not None:
            for entry in out:
                if entry["kind"] == "issued":
                    entry["kind"], entry["old_token_id"] = "reissued_from", old
    return out


def _local_history(session: Session, card: Card) -> list[dict]:
    out = []
    for at, holder, title_ja, title_en in session.execute(
            select(CheckIn.checked_in_at, CheckIn.holder, Activity.title_ja, Activity.title_en)
            .join(Activity, Activity.id == CheckIn.activity_id).where(CheckIn.card_id == card.id)
            .order_by(CheckIn.checked_in_at.desc()).limit(HISTORY_LIMIT)):
        out.append(_entry(at, "checkin", holder=holder, name_ja=title_ja, name_en=title_en))
    for at, holder, perk_ja, perk_en, venue_ja, venue_en in session.execute(
            select(Redemption.redeemed_at, Redemption.holder, Perk.name_ja, Perk.name_en, Venue.name_ja,
                   Venue.name_en)
            .join(Perk, Perk.id == Redemption.perk_id).join(Venue, Venue.id == Redemption.venue_id)
            .where(Redemption.card_id == card.id).order_by(Redemption.redeemed_at.desc()).limit(HISTORY_LIMIT)):
        out.append(_entry(at, "redemption", holder=holder, name_ja=perk_ja, name_en=perk_en, venue_ja=venue_ja,
                          venue_en=venue_en))
    for notice in session.scalars(select(InactivityNotice).where(InactivityNotice.card_id == card.id)
                                  .order_by(InactivityNotice.id.desc()).limit(HISTORY_LIMIT)):
        out.append(_entry(notice.noticed_at, "notice", holder=notice.address, status=notice.status,
                          deadline_at=notice.deadline_at, deadline=japan_date(notice.deadline_at),
                          resolved_at=notice.resolved_at, tx_hash=notice.tx_hash))
    for action in session.scalars(select(CardAction).where(CardAction.card_id == card.id)
                                  .order_by(CardAction.id.desc()).limit(HISTORY_LIMIT)):
        out.append(_entry(action.requested_at, "action", action_id=action.id, action=action.kind,
                          reason=action.reason, staff=action.staff_name, status=action.status,
                          new_owner=action.new_owner, tx_hash=action.tx_hash))
    return out


def history(session: Session, card: Card) -> list[dict]:
    """Everything that happened to the card, newest first (on chain: by block and log order; the rest by time).
    Dates are Japan dates (`date`, YYYY-MM-DD) beside the unix time (`at`)."""
    entries = _chain_history(session, card) + _local_history(session, card)
    entries.sort(key=lambda e: e["at"], reverse=True)  # stable: chain events keep their order within a block
    return entries
