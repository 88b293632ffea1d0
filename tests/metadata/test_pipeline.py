"""Cards to stored images and metadata, over two processes, then pinned on the real node."""

import json

import pytest

from metadata.card import CardData, CollectionInfo
from metadata.cid import cid_of
from metadata.errors import LayerImageError
from metadata.pipeline import Manifest, build_cards, pin_manifest
from metadata.render import LAYERS_DIR
from metadata.store import ContentStore

COLLECTION = CollectionInfo(address="0x" + "cd" * 20, name="Kaga Digital Resident", symbol="KAGA",
                            municipality_ja="加賀市", municipality_en="Kaga City", soulbound=False)
CARDS = [CardData(token_id=i, resident_number=i, tier=i % 2, issued_at=1_764_000_000,
                  expires_at=0 if i % 3 else 1_806_000_000) for i in range(1, 41)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = ContentStore(tmp_path_factory.mktemp("store") / "blocks")
    calls = []
    manifest = build_cards(COLLECTION, CARDS, store=store, workers=2, chunk_size=7,
                           progress=lambda done, total: calls.append((done, total)))
    return store, manifest, calls


def test_manifest_lists_every_card_in_token_order(built):
    _, manifest, _ = built
    assert [e.token_id for e in manifest.entries] == [c.token_id for c in CARDS]
    assert manifest.collection == COLLECTION.address and manifest.symbol == "KAGA"
    assert len(manifest.cids()) == len({e.image_cid for e in manifest.entries}) + len(CARDS)


def test_store_holds_images_and_metadata_pointing_at_them(built):
    store, manifest, _ = built
    for entry in manifest.entries:
        image = store.get(entry.image_cid)
        assert image.startswith(b"\x89PNG") and cid_of(image) == entry.image_cid
        document = json.loads(store.get(entry.metadata_cid))
        assert document["image"] == f"ipfs://{entry.image_cid}"
        assert {"trait_type": "Resident Number", "value": entry.resident_number,
                "display_type": "number"} in document["attributes"]
        motif = next(a for a in document["attributes"] if a["trait_type"] == "Motif")
        assert motif["value"].split(" / ")[0]  # the art traits are in the metadata


def test_progress_is_reported_up_to_the_total(built):
    _, _, calls = built
    assert calls[0] == (0, 40) and calls[-1] == (40, 40)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(calls) == 1 + 6  # one call per chunk of 7


def test_one_process_gives_the_same_manifest(built, tmp_path):
    _, manifest, _ = built
    single = build_cards(COLLECTION, CARDS, store=ContentStore(tmp_path / "blocks"), workers=1)
    assert single.entries == manifest.entries


def test_manifest_json_round_trip(built):
    _, manifest, _ = built
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_missing_layer_image_stops_before_any_work(tmp_path):
    import shutil

    layers = tmp_path / "layers"
    shutil.copytree(LAYERS_DIR, layers)
    (layers / "background" / "dusk.png").unlink()
    with pytest.raises(LayerImageError, match="dusk.png"):
        build_cards(COLLECTION, CARDS, store=ContentStore(tmp_path / "blocks"), layers_dir=layers)
    assert not (tmp_path / "blocks").exists()


def test_pin_manifest_on_the_real_node(built, ipfs_node, tmp_path):
    store, manifest, _ = built
    small = Manifest(manifest.collection, manifest.symbol, manifest.entries[:5])
    report = pin_manifest(small, store, ipfs_node, journal=tmp_path / "pins.sqlite")
    assert report.newly_pinned == len(small.cids())
    entry = small.entries[0]
    assert ipfs_node.is_pinned(entry.image_cid) and ipfs_node.is_pinned(entry.metadata_cid)
    assert ipfs_node.cat(entry.metadata_cid) == store.get(entry.metadata_cid)


def test_pin_manifest_without_a_node_does_nothing(built, monkeypatch):
    monkeypatch.delenv("RESIDENT_IPFS_API", raising=False)
    store, manifest, _ = built
    assert pin_manifest(manifest, store) is None


def test_publish_card_after_a_tier_change(built):
    """Re-publishing a card in its new state stores a new image and JSON; the art stays."""
    from metadata.pipeline import publish_card

    store, manifest, _ = built
    before = manifest.by_token()[2]
    upgraded = CardData(token_id=2, resident_number=2, tier=1, issued_at=1_764_000_000, expires_at=0)
    published = publish_card(COLLECTION, upgraded, store)
    assert published.entry.image_cid != before.image_cid and published.entry.art == before.art
    assert store.has(published.entry.image_cid) and store.has(published.entry.metadata_cid)
    assert published.document["image"] == f"ipfs://{published.entry.image_cid}"
    assert {"trait_type": "Tier", "value": "Premium"} in published.document["attributes"]
