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

from eth_utils import keccak, to_checksum_address

# Only the status names; nothing here touches the database.
from backend.db.models_chain import ACTIVE, BURNED, OPTED_OUT, REISSUED, REVOKED

log = logging.getLogger("resident.indexer")

ZERO_ADDRESS = "0x" + "00" * 20
TIME_MASK = 0xFFFFFFFF


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


EVENT_KINDS = {
    _topic("Transfer(address,address,uint256)"): "transfer",
    _topic("Locked(uint256)"): "locked",
    _topic("Unlocked(uint256)"): "unlocked",
    _topic("CardsIssued(uint256,uint256,uint256,uint256,uint256,bool)"): "issued",
    _topic("CardReissued(uint256,uint256,uint256,address,address)"): "reissued",
    _topic("CardRevoked(uint256,uint256,address,address)"): "revoked",
    _topic("CardOptedOut(uint256,uint256,address)"): "opted_out",
    _topic("TierChanged(uint256,uint256,uint256)"): "tier",
    _topic("ExpiryChanged(uint256,uint256,uint256)"): "expiry",
}


def _word(data: bytes, index: int) -> int:
    return int.from_bytes(data[32 * index:32 * index + 32], "big")


def _address_word(value: int) -> str:
    return to_checksum_address(value.to_bytes(32, "big")[12:])


def decode(log_entry: dict) -> tuple[str, int, dict] | None:
    """(kind, token id, args) of a raw log this indexer cares about; None for others."""
    topics = log_entry["topics"]
    kind = EVENT_KINDS.get(topics[0].lower()) if topics else None
    if kind is None:
        return None
    t = [int(x, 16) for x in topics[1:]]
    data = bytes.fromhex(log_entry["data"][2:])
    if kind == "transfer":
        if len(t) != 3:  # an ERC-20 style Transfer (value in data): not a card
            return None
        # Checksumming costs a keccak: skip it for the zero address (every mint's `from`, every burn's `to`).
        return kind, t[2], {"from": _address_word(t[0]) if t[0] else ZERO_ADDRESS,
                            "to": _address_word(t[1]) if t[1] else ZERO_ADDRESS}
    if kind in ("locked", "unlocked"):
        return kind, _word(data, 0), {}
    if kind == "issued":
        return kind, t[0], {"count": _word(data, 0), "number": _word(data, 1), "tier": _word(data, 2),
                            "expires": _word(data, 3), "locked": bool(_word(data, 4))}
    if kind == "reissued":
        return kind, t[0], {"new": t[1], "number": t[2], "previous": _address_word(_word(data, 0)),
                            "holder": _address_word(_word(data, 1))}
    if kind in ("revoked", "opted_out"):
        return kind, t[0], {"number": t[1]}
    if kind == "tier":
        return kind, t[0], {"tier": _word(data, 1)}
    return kind, t[0], {"expires": _word(data, 1)}  # expiry


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
