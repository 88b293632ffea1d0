"""What the chain's events do to cards, as pure functions: decoding a raw log, and folding events into
card states. No I/O and no database here: the indexer (indexer.py) reads logs and rows, calls these,
and writes the result; the KPI series (backend/staff/kpi_series.py) replays events through `fold` too.

Card data is derived from events alone, without a per-card call: `CardsIssued` carries tier, expiry,
lock and the first resident number (the others follow it), `issuedAt` is the issuing block's timestamp
(the contract stores exactly that), and a re-issued card copies the old card's data as the contract does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from backend.chain.events import card_events

# Only the status names; nothing here touches the database.
from backend.db.models_chain import ACTIVE, BURNED, OPTED_OUT, REISSUED, REVOKED

log = logging.getLogger("resident.indexer")

ZERO_ADDRESS = "0x" + "00" * 20
TIME_MASK = 0xFFFFFFFF


# Each card event the fold knows: (the fold's kind, the ABI argument naming the token, {fold name: ABI name}).
# Topics and argument layout come from the compiled ABI (backend/chain/events.py), never typed by hand.
CARD_EVENTS = {
    "Transfer": ("transfer", "id", {"from": "from", "to": "to"}),
    "Locked": ("locked", "tokenId", {}),
    "Unlocked": ("unlocked", "tokenId", {}),
    "CardsIssued": ("issued", "firstTokenId", {"count": "count", "number": "firstResidentNumber", "tier": "tier",
                                               "expires": "expiresAt", "locked": "locked"}),
    "CardReissued": ("reissued", "oldTokenId", {"new": "newTokenId", "number": "residentNumber",
                                                "previous": "previousHolder", "holder": "newHolder"}),
    "CardRevoked": ("revoked", "tokenId", {"number": "residentNumber"}),
    "CardOptedOut": ("opted_out", "tokenId", {"number": "residentNumber"}),
    "TierChanged": ("tier", "tokenId", {"tier": "newTier"}),
    "ExpiryChanged": ("expiry", "tokenId", {"expires": "newExpiresAt"}),
}


@lru_cache(maxsize=1)
def _by_topic() -> dict[str, tuple]:
    events = card_events()
    return {events[name].topic: (events[name], *rest) for name, rest in CARD_EVENTS.items()}


def decode(log_entry: dict) -> tuple[str, int, dict] | None:
    """(kind, token id, args) of a raw log this indexer cares about; None for others (e.g. an ERC-20 Transfer)."""
    topics = log_entry["topics"]
    found = _by_topic().get(topics[0].lower()) if topics else None
    if found is None:
        return None
    event, kind, token, names = found
    args = event.decode_raw(log_entry)
    if args is None:
        return None
    return kind, args[token], {ours: args[theirs] for ours, theirs in names.items()}


@dataclass
class Event:
    collection_id: int
    block_number: int
    log_index: int
    block_time: int
    tx_hash: str
    kind: str
    token_id: int
    args: dict

    def row(self) -> dict:
        return {"collection_id": self.collection_id, "block_number": self.block_number, "log_index": self.log_index,
                "block_time": self.block_time, "tx_hash": self.tx_hash, "kind": self.kind,
                "token_id": self.token_id, "args": self.args}


CARD_FIELDS = ("owner", "resident_number", "tier", "issued_at", "expires_at", "locked", "status", "holding_since",
               "replaced_by", "updated_block")


def touched_tokens(events: Iterable[Event]) -> set[tuple[int, int]]:
    keys = set()
    for ev in events:
        keys.add((ev.collection_id, ev.token_id))
        if ev.kind == "reissued":
            keys.add((ev.collection_id, ev.args["new"]))
        elif ev.kind == "issued":
            keys.update((ev.collection_id, ev.token_id + i) for i in range(ev.args["count"]))
    return keys


def fold(states: dict[tuple[int, int], dict], events: Iterable[Event]) -> set[tuple[int, int]]:
    """Applies events (in chain order) to card states; returns the keys it changed.

    A state is a dict of CARD_FIELDS. This is the single definition of what an
    event does to a card, used both when indexing and when replaying after a reorg.
    """
    changed = set()
    for ev in events:
        key = (ev.collection_id, ev.token_id)
        args = ev.args
        if ev.kind == "transfer" and args["from"] == ZERO_ADDRESS:
            states[key] = {"owner": args["to"], "resident_number": 0, "tier": 0,
                           "issued_at": ev.block_time & TIME_MASK, "expires_at": 0, "locked": False,
                           "status": ACTIVE, "holding_since": ev.block_time, "replaced_by": None,
                           "updated_block": ev.block_number}
            changed.add(key)
            continue
        card = states.get(key)
        if card is None:
            log.warning("event %s for unknown card %s in collection %s at block %s; skipped",
                        ev.kind, ev.token_id, ev.collection_id, ev.block_number)
            continue
        if ev.kind == "transfer":
            if args["to"] == ZERO_ADDRESS:
                card["status"] = BURNED  # made precise by the revoke / opt-out / re-issue event that follows
            else:
                card["owner"] = args["to"]
                card["holding_since"] = ev.block_time
        elif ev.kind in ("locked", "unlocked"):
            card["locked"] = ev.kind == "locked"
        elif ev.kind == "issued":
            for i in range(args["count"]):
                issued = states.get((ev.collection_id, ev.token_id + i))
                if issued is None:
                    continue
                issued.update(resident_number=args["number"] + i, tier=args["tier"], expires_at=args["expires"],
                              locked=args["locked"], updated_block=ev.block_number)
                changed.add((ev.collection_id, ev.token_id + i))
        elif ev.kind == "reissued":
            card["status"] = REISSUED
            card["replaced_by"] = args["new"]
            new_key = (ev.collection_id, args["new"])
            new = states.get(new_key)
            if new is not None:
                new.update({name: card[name] for name in ("resident_number", "tier", "issued_at", "expires_at",
                                                          "locked")}, updated_block=ev.block_number)
                changed.add(new_key)
        elif ev.kind == "revoked":
            card["status"] = REVOKED
        elif ev.kind == "opted_out":
            card["status"] = OPTED_OUT
        elif ev.kind == "tier":
            card["tier"] = args["tier"]
        elif ev.kind == "expiry":
            card["expires_at"] = args["expires"]
        card["updated_block"] = ev.block_number
        changed.add(key)
    return changed
