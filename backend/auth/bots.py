"""API keys for Discord / Telegram bots that ask "does this wallet hold a valid card?" (GET /bot/check).

A key belongs to one municipality and may only ask about its collections. Only the key's SHA-256 digest
is stored; the key itself is shown once, when staff create it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_utils import is_hex_address, to_checksum_address
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.auth.errors import BadAddress, BotKeyInvalid, NotFound
from backend.auth.secrets import random_token, token_digest
from backend.cards import cards_of_owner
from backend.db.models_access import BotKey
from backend.db.models_chain import Collection, Municipality

KEY_PREFIX = "rbk_"  # recognisable in logs and secret scanners


def create_bot_key(db: Session, municipality_id: int, name: str) -> tuple[BotKey, str]:
    """A new key for `municipality_id`; returns (row, key) — the key is not stored. The caller commits."""
    if db.get(Municipality, municipality_id) is None:
        raise NotFound("no_municipality", municipality_id=municipality_id)
    key = KEY_PREFIX + random_token()
    row = BotKey(municipality_id=municipality_id, name=name.strip()[:200] or "bot", key_digest=token_digest(key),
                 created_at=int(time.time()), revoked=False)
    db.add(row)
    db.flush()
    return row, key


def revoke_bot_key(db: Session, municipality_id: int, key_id: int) -> None:
    row = db.get(BotKey, key_id)
    if row is None or row.municipality_id != municipality_id:
        raise NotFound("no_bot_key", key_id=key_id)
    row.revoked = True
    db.flush()


def authenticate_bot(db: Session, key: str | None, *, now: int | None = None) -> BotKey:
    """The live key row for `key`, its last use recorded; BotKeyInvalid otherwise.

    Writes first (UPDATE ... WHERE digest and not revoked), reads after: on SQLite a transaction that read
    before writing could fail when the indexer commits in between.
    """
    if not key or len(key) > 200:
        raise BotKeyInvalid()
    digest = token_digest(key)
    used = db.execute(update(BotKey).where(BotKey.key_digest == digest, BotKey.revoked.is_(False))
                      .values(last_used_at=int(time.time()) if now is None else now)
                      .execution_options(synchronize_session=False)).rowcount
    if used != 1:
        raise BotKeyInvalid()
    return db.scalar(select(BotKey).where(BotKey.key_digest == digest))


def find_collection(db: Session, chain_id: int, collection: str) -> Collection | None:
    """A collection of this chain by contract address or by symbol."""
    if is_hex_address(collection):
        return db.scalar(select(Collection).where(Collection.chain_id == chain_id,
                                                  Collection.address == to_checksum_address(collection)))
    return db.scalar(select(Collection).where(Collection.chain_id == chain_id,
                                              Collection.symbol == collection.upper()).order_by(Collection.id))


@dataclass(frozen=True)
class HolderCheck:
    collection_id: int
    symbol: str
    address: str
    holder: bool  # holds at least one valid card now
    tier: int | None  # highest tier among the valid cards
    valid_cards: int


def check_holder(db: Session, key: BotKey, chain_id: int, collection: str, address: str, now: float) -> HolderCheck:
    """Whether `address` holds a valid card of `collection` (one of the key's municipality), from the index."""
    if not isinstance(address, str) or not is_hex_address(address):
        raise BadAddress("address_given", address=str(address)[:60])
    found = find_collection(db, chain_id, collection or "")
    if found is None or found.municipality_id != key.municipality_id:
        # The same answer for "unknown" and "another municipality's": a key cannot probe other towns.
        raise NotFound("no_key_collection", collection=str(collection)[:60])
    valid = [card for card in cards_of_owner(db, address, collection_id=found.id) if card.valid_now(now)]
    return HolderCheck(collection_id=found.id, symbol=found.symbol, address=to_checksum_address(address),
                       holder=bool(valid), tier=max((c.tier for c in valid), default=None), valid_cards=len(valid))
