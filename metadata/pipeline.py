"""Cards in, content-addressed images and metadata out: what a campaign and the backend call.

For each card: render the image, store it (its CID is the `image`), build the
metadata JSON, store it too; return a manifest (token -> image CID, metadata
CID, art traits). Work is spread over processes (both cores by default) in
chunks of cards sorted by art, so each process's caches of composed art and
compressed rows stay hot. `pin_manifest` then adds and pins everything on the
configured IPFS node, resumably.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from metadata.card import CardData, CollectionInfo, card_seed, metadata_bytes, metadata_for
from metadata.cid import encode_file
from metadata.ipfs import IpfsNode, PinReport, pin_all
from metadata.render import LAYERS_DIR, LayerSet, render_card
from metadata.store import ContentStore

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ManifestEntry:
    token_id: int
    resident_number: int
    tier: int
    image_cid: str
    metadata_cid: str
    art: tuple[str, ...]  # the layer options picked, e.g. ("dawn", "seigaiha", "koi")


@dataclass
class Manifest:
    collection: str  # checksummed address
    symbol: str
    entries: list[ManifestEntry] = field(default_factory=list)

    def cids(self) -> list[str]:
        """Every CID the manifest refers to (images and metadata), each once."""
        return list(dict.fromkeys(cid for e in self.entries for cid in (e.image_cid, e.metadata_cid)))

    def by_token(self) -> dict[int, ManifestEntry]:
        return {entry.token_id: entry for entry in self.entries}

    def to_json(self) -> str:
        return json.dumps({"collection": self.collection, "symbol": self.symbol,
                           "entries": [asdict(e) for e in self.entries]}, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        data = json.loads(text)
        entries = [ManifestEntry(**{**e, "art": tuple(e["art"])}) for e in data["entries"]]
        return cls(data["collection"], data["symbol"], entries)


# Per-process state, set by _init in each worker (and used directly when workers=1).
_STATE: dict = {}


def _init(store_root: str, layers_root: str) -> None:
    _STATE["store"] = ContentStore(store_root)
    _STATE["layers"] = LayerSet.load(layers_root)


@dataclass(frozen=True)
class PublishedCard:
    entry: ManifestEntry
    document: dict  # the metadata JSON object (what tokenURI serves for the card's current state)


def publish_card(collection: CollectionInfo, card: CardData, store: ContentStore | None = None,
                 layers: LayerSet | None = None) -> PublishedCard:
    """One card: render and store its image, build and store its metadata (e.g. after a tier change)."""
    store = store or ContentStore()
    layers = layers or LayerSet.load(LAYERS_DIR)
    rendered = render_card(collection, card, layers)
    image_cid = store.put_encoded(encode_file(rendered.png))
    document = metadata_for(collection, card, image_cid, rendered.traits)
    metadata_cid = store.put_encoded(encode_file(metadata_bytes(document)))
    entry = ManifestEntry(card.token_id, card.resident_number, card.tier, image_cid, metadata_cid, rendered.picks)
    return PublishedCard(entry, document)


def _build_one(collection: CollectionInfo, card: CardData) -> ManifestEntry:
    return publish_card(collection, card, _STATE["store"], _STATE["layers"]).entry


def _build_chunk(collection: CollectionInfo, cards: list[CardData]) -> list[ManifestEntry]:
    return [_build_one(collection, card) for card in cards]


def build_cards(collection: CollectionInfo, cards: Sequence[CardData], *, store: ContentStore | None = None,
                layers_dir: Path | str = LAYERS_DIR, workers: int | None = None, chunk_size: int = 250,
                progress: Progress | None = None, start_method: str = "fork") -> Manifest:
    """Renders and stores every card's image and metadata; returns the manifest in token order.

    `workers` defaults to the number of CPUs (max 2 is what the bench
    machine has); 1 runs in this process. `progress(done, total)` is called
    after each chunk. `start_method` "fork" starts workers at once and works
    from any caller (scripts without a main guard, stdin); a caller that runs
    threads (a web server) should pass "spawn" from a module with a main guard.
    """
    store = store or ContentStore()
    layers = LayerSet.load(layers_dir)  # fails here, naming the file, if an image is missing
    workers = workers or min(os.cpu_count() or 1, 8)
    total = len(cards)
    # Same art and tier next to each other: the renderer's caches are per art and tier.
    ordered = sorted(cards, key=lambda c: (tuple(o.name for o in layers.pick(card_seed(collection, c))), c.tier,
                                           c.token_id))
    chunks = [ordered[i:i + chunk_size] for i in range(0, total, chunk_size)]
    entries: list[ManifestEntry] = []
    done = 0
    if progress:
        progress(0, total)
    if workers == 1 or len(chunks) <= 1:
        _init(str(store.root), str(layers.root))
        for chunk in chunks:
            entries.extend(_build_chunk(collection, chunk))
            done += len(chunk)
            if progress:
                progress(done, total)
    else:
        context = multiprocessing.get_context(start_method)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init,
                                 initargs=(str(store.root), str(layers.root))) as pool:
            futures = [pool.submit(_build_chunk, collection, chunk) for chunk in chunks]
            for future in as_completed(futures):
                result = future.result()
                entries.extend(result)
                done += len(result)
                if progress:
                    progress(done, total)
    entries.sort(key=lambda e: e.token_id)
    return Manifest(collection.address, collection.symbol, entries)


def pin_manifest(manifest: Manifest, store: ContentStore | None = None, node: IpfsNode | None = None, *,
                 journal: Path | str | None = None, progress: Progress | None = None) -> PinReport | None:
    """Adds and pins the manifest's content on `node`; None without a node."""
    if node is None:
        return None
    return pin_all(node, store or ContentStore(), manifest.cids(), journal=journal, progress=progress)
