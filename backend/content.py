"""Card metadata and images for tokenURI, built from the index when asked.

tokenURI is `<backend>/metadata/<SYMBOL>/<id>` (metadata/README.md): tier,
expiry and status change on chain, so the JSON is built from the indexed card
on every request. The image is content-addressed: it is rendered once per
card state (collection, token, resident number, tier, issue and expiry
dates), stored in the content store, and its CID is kept in memory; a state
seen again costs a dictionary lookup and a stat of the stored block.
"""

from __future__ import annotations

import codecs
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from eth_abi import decode as abi_decode
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.cards import CardView
from backend.chain.client import Chain
from backend.db.models_chain import Collection
from metadata.card import CardData, CollectionInfo
from metadata.cid import DAG_PB, dag_pb_links, parse_cid
from metadata.errors import ContentNotFoundError
from metadata.pipeline import PublishedCard, publish_card
from metadata.render import default_layers
from metadata.store import ContentStore

NAME_SELECTOR = "0x06fdde03"  # ERC-721 name()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def store_for(data_dir: Path) -> ContentStore:
    """The content store of a data directory (where metadata.store puts it by default)."""
    return ContentStore(Path(data_dir) / "ipfs" / "blocks")


def collection_by_symbol(session: Session, chain_id: int, symbol: str) -> Collection | None:
    """The collection with `symbol` on `chain_id`; the newest one if a symbol was deployed again."""
    return session.scalar(select(Collection).where(Collection.chain_id == chain_id, Collection.symbol == symbol)
                          .order_by(Collection.id.desc()).limit(1))


@dataclass(frozen=True)
class CardKey:
    """Everything a card's image and metadata depend on (the collection's data never changes)."""

    collection_id: int
    token_id: int
    resident_number: int
    tier: int
    issued_at: int
    expires_at: int

    @classmethod
    def of(cls, card: CardView) -> CardKey:
        return cls(card.collection_id, card.token_id, card.resident_number, card.tier, card.issued_at,
                   card.expires_at)


class CardContent:
    """Renders, stores and remembers card images and metadata for one app (thread-safe)."""

    def __init__(self, store: ContentStore, chain: Chain, max_cards: int = 20_000) -> None:
        self.store = store
        self.chain = chain
        self.max_cards = max_cards
        self._collections: dict[int, CollectionInfo] = {}
        self._cards: OrderedDict[CardKey, PublishedCard] = OrderedDict()
        self._lock = threading.Lock()
        # The renderer's caches and PNG encoders are shared objects: one render at a time.
        self._render_lock = threading.Lock()

    def collection_info(self, collection: Collection) -> CollectionInfo:
        """The collection's data for rendering; its ERC-721 name is read from the chain once (ChainError if down)."""
        found = self._collections.get(collection.id)
        if found is not None:
            return found
        raw = self.chain.request("eth_call", [{"to": collection.address, "data": NAME_SELECTOR}, "latest"])
        (name,) = abi_decode(["string"], bytes.fromhex(raw.removeprefix("0x")))
        info = CollectionInfo(address=collection.address, name=name, symbol=collection.symbol,
                              municipality_ja=collection.name_ja, municipality_en=collection.name_en,
                              soulbound=collection.soulbound)
        self._collections[collection.id] = info
        return info

    def published(self, collection: Collection, card: CardView | CardKey) -> PublishedCard:
        """The card's stored image and metadata for its current state, rendered on first use."""
        key = CardKey.of(card)
        with self._lock:
            found = self._cards.get(key)
            if found is not None:
                self._cards.move_to_end(key)
        # A store emptied under a running app (data dir wiped) must not leave dangling CIDs.
        if found is not None and self.store.has(found.entry.image_cid):
            return found
        info = self.collection_info(collection)
        data = CardData(token_id=card.token_id, resident_number=card.resident_number, tier=card.tier,
                        issued_at=card.issued_at, expires_at=card.expires_at)
        with self._render_lock:
            # Another request may have rendered this state while we waited.
            with self._lock:
                found = self._cards.get(key)
            if found is not None and self.store.has(found.entry.image_cid):
                return found
            published = publish_card(info, data, self.store, default_layers())
        with self._lock:
            self._cards[key] = published
            self._cards.move_to_end(key)
            while len(self._cards) > self.max_cards:
                self._cards.popitem(last=False)
        return published

    def sample_image_cid(self, collection: Collection, issued_at: int) -> str:
        """The image of a sample card of the collection (No. 000000, tier 0, no expiry, issued `issued_at`):
        its art as the town's landing page shows it. Stored and remembered like a card's."""
        sample = CardKey(collection.id, token_id=0, resident_number=0, tier=0, issued_at=issued_at, expires_at=0)
        return self.published(collection, sample).entry.image_cid

    def image_cid(self, session: Session, card: CardView) -> str:
        collection = session.get(Collection, card.collection_id)
        return self.published(collection, card).entry.image_cid


def content_size(store: ContentStore, cid: str) -> int:
    """The file's length in bytes, from the sizes of its stored leaf blocks (ContentNotFoundError if one is missing)."""
    stack, total = [cid], 0
    while stack:
        current = stack.pop()
        if parse_cid(current).codec == DAG_PB:
            stack.extend(dag_pb_links(store.block(current, root=cid)))
            continue
        try:
            total += store.path_of(current).stat().st_size
        except FileNotFoundError:
            raise ContentNotFoundError(cid, current) from None
    return total


def media_type(first: bytes, whole: bool) -> str:
    """What the content is, from its first bytes (`whole`: `first` is all of it)."""
    if first.startswith(PNG_MAGIC):
        return "image/png"
    head = first.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            if whole:
                json.loads(first)
            else:  # a large file: its first piece must at least be UTF-8 text (a character may be cut at the end)
                codecs.getincrementaldecoder("utf-8")().decode(first, final=False)
        except ValueError:
            return "application/octet-stream"
        return "application/json"
    return "application/octet-stream"


def open_content(store: ContentStore, cid: str) -> tuple[int, str, Iterator[bytes]]:
    """(length, media type, the bytes in pieces) of stored content; reads the first piece now, so a missing
    or invalid CID raises here (InvalidCidError, ContentNotFoundError) and not half-way through a response."""
    size = content_size(store, cid)
    pieces = store.iter_content(cid)
    first = next(pieces, b"")

    def chained() -> Iterator[bytes]:
        yield first
        yield from pieces

    return size, media_type(first, len(first) == size), chained()
