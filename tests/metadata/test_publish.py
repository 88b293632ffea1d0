"""scripts/publish.py on a real anvil chain and a real IPFS node: every live card published, pinned, resumable."""

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.backend.localchain import Anvil, LocalChain  # noqa: E402  (the backend tests' chain helper)

from metadata import ipfs as ipfs_module  # noqa: E402
from metadata.cid import cid_of  # noqa: E402
from metadata.ipfs import IpfsNode  # noqa: E402
from metadata.store import ContentStore  # noqa: E402
from scripts import publish as publish_script  # noqa: E402
from backend.chain.client import Chain  # noqa: E402
from scripts.publish import (PublishError, PublishPinError, live_token_ids, main, manifest_path, publish,  # noqa: E402
                             read_cards)
from tools.ipfs_node import IpfsNodeProcess  # noqa: E402

SYMBOL = "PUBTEST"


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """A collection with 7 cards minted: one revoked, one re-issued (its old token burned); 6 live."""
    anvil = Anvil()
    try:
        chain = LocalChain(anvil.url, tmp_path_factory.mktemp("publish-chain"))
        collection = chain.deploy(SYMBOL, soulbound=False, name_ja="美祢市", name_en="Mine City")
        holders = [chain.new_holder().address for _ in range(7)]
        first = collection.issue_batch(holders[:5])
        premium = collection.issue(holders[5], tier=1, expires_at=chain.now() + 365 * 86400)
        collection.revoke(first + 1)
        new_id = collection.reissue(first + 2, holders[6])
        live = sorted({first, first + 3, first + 4, premium, new_id})
        chain.collection, chain.live = collection, live
        yield chain
    finally:
        anvil.stop()


@pytest.fixture
def data(issued, tmp_path, monkeypatch):
    """A fresh data dir holding only the deployment record (store, manifests and pin journal start empty)."""
    shutil.copytree(issued.deployments_dir, tmp_path / "deployments")
    monkeypatch.setenv("RESIDENT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RESIDENT_IPFS_API", raising=False)
    return tmp_path


def test_manifest_covers_every_live_card_and_the_store_has_every_cid(issued, data):
    result = publish(SYMBOL, issued.rpc_url, workers=2, progress=False)
    entries = result.manifest.by_token()
    assert sorted(entries) == issued.live  # revoked and replaced tokens are not published
    for token, entry in entries.items():
        on_chain = issued.collection.card_on_chain(token)
        assert (entry.resident_number, entry.tier) == (on_chain["resident_number"], on_chain["tier"])
    store = ContentStore(data / "ipfs" / "blocks")
    assert all(store.has(cid) for cid in result.manifest.cids())
    assert len(result.manifest.cids()) == 2 * len(issued.live)
    document = json.loads(store.get(entries[issued.live[-1]].metadata_cid))
    assert document["image"] == f"ipfs://{entries[issued.live[-1]].image_cid}"
    assert result.manifest_path == manifest_path(31337, SYMBOL) == data / "manifests" / "31337" / f"{SYMBOL}.json"
    assert json.loads(result.manifest_path.read_text()) == json.loads(result.manifest.to_json())
    assert result.pin is None


@pytest.mark.parametrize("chunk_blocks", [1, 3, 50_000])
def test_transfer_logs_give_the_minted_and_not_burned_tokens(issued, chunk_blocks):
    chain = Chain(issued.rpc_url)
    record = issued.collection.record
    head = chain.head()
    assert live_token_ids(chain, record.address, record.deployment_block, head, chunk_blocks) == issued.live


def test_cards_are_read_at_the_given_block_and_burned_ones_left_out(issued):
    chain = Chain(issued.rpc_url)
    burned = issued.live[0] + 1  # revoked in the fixture
    cards = read_cards(chain, issued.collection.address, [burned, *issued.live], chain.head(), batch=2)
    assert [card.token_id for card in cards] == issued.live
    premium = [card for card in cards if card.tier == 1]
    assert len(premium) == 1 and premium[0].expires_at > premium[0].issued_at > 0


def test_running_again_renders_only_changed_cards_and_gives_the_same_cids(issued, data):
    first = publish(SYMBOL, issued.rpc_url, workers=1, progress=False)
    assert first.rendered == len(issued.live)
    again = publish(SYMBOL, issued.rpc_url, workers=2, progress=False)
    assert (again.rendered, again.manifest.entries) == (0, first.manifest.entries)

    # Every card rendered again (state file gone) gives the very same bytes: rendering is deterministic.
    state = data / "manifests" / "31337" / f"{SYMBOL}.state.json"
    state.unlink()
    rebuilt = publish(SYMBOL, issued.rpc_url, workers=2, progress=False)
    assert (rebuilt.rendered, rebuilt.manifest.entries) == (len(issued.live), first.manifest.entries)

    # A card whose expiry changed on chain, and one whose image left the store, are rendered again.
    changed, lost = issued.live[1], issued.live[2]
    issued.collection.set_expiry(changed, issued.now() + 1000 * 86400)
    store = ContentStore(data / "ipfs" / "blocks")
    store.path_of(first.manifest.by_token()[lost].image_cid).unlink()
    after = publish(SYMBOL, issued.rpc_url, workers=1, progress=False)
    assert after.rendered == 2
    before, now = first.manifest.by_token(), after.manifest.by_token()
    assert now[changed].metadata_cid != before[changed].metadata_cid
    assert now[lost] == before[lost] and store.has(now[lost].image_cid)
    assert all(now[t] == before[t] for t in issued.live if t != changed)

    # Anything that shapes a card (code, layers, fonts, collection data) changes the fingerprint: all rendered.
    text = json.loads(state.read_text())
    state.write_text(json.dumps({**text, "fingerprint": "0" * 64}))
    assert publish(SYMBOL, issued.rpc_url, workers=1, progress=False).rendered == len(issued.live)


def test_pins_everything_and_the_node_serves_the_same_bytes(issued, data, ipfs_node):
    result = publish(SYMBOL, issued.rpc_url, pin=True, node=ipfs_node, workers=1, progress=False)
    cids = result.manifest.cids()
    assert (result.pin.total, result.pin.newly_pinned, result.pin.already_pinned) == (len(cids), len(cids), 0)
    store = ContentStore(data / "ipfs" / "blocks")
    image = result.manifest.entries[0].image_cid
    served = ipfs_node.cat(image)  # the node's timeout (20 s) ends a cat of missing content
    assert served == store.get(image) and cid_of(served) == image
    assert all(ipfs_node.is_pinned(cid) for cid in cids[::3])


def test_node_stopping_mid_pin_says_how_many_and_the_same_command_finishes(issued, data, tmp_path, monkeypatch,
                                                                           capsys):
    monkeypatch.setattr(ipfs_module, "BATCH_ITEMS", 4)  # 10 items in batches of 4: the node stops after the first
    process = IpfsNodeProcess(tmp_path / "node").start()
    record_many = ipfs_module.PinJournal.record_many
    calls = []

    def record_then_stop_node(journal, node, cids):
        record_many(journal, node, cids)
        calls.append(len(cids))
        if len(calls) == 1:
            process.stop()

    try:
        monkeypatch.setattr(ipfs_module.PinJournal, "record_many", record_then_stop_node)
        command = [SYMBOL, "--rpc", issued.rpc_url, "--pin", "--workers", "1", "--quiet"]
        monkeypatch.setenv("RESIDENT_IPFS_API", process.api)
        assert main(command) == 1
        err = capsys.readouterr().err
        total = 2 * len(issued.live)
        assert f"4 of {total} items are pinned" in err and f"{total} 件中 4 件" in err
        assert "run the same command again" in err and "同じコマンドをもう一度実行" in err
        assert "scripts/publish.py PUBTEST --rpc" in err and "Traceback" not in err

        monkeypatch.setattr(ipfs_module.PinJournal, "record_many", record_many)
        process.start()  # same repo (same node identity), new port
        monkeypatch.setenv("RESIDENT_IPFS_API", process.api)
        assert main(command) == 0
        out = capsys.readouterr().out
        assert f"{total} items ({total - 4} now, 4 before)" in out
        node = IpfsNode(process.api, timeout=10)
        manifest = json.loads(manifest_path(31337, SYMBOL).read_text())
        cids = [cid for e in manifest["entries"] for cid in (e["image_cid"], e["metadata_cid"])]
        assert all(node.is_pinned(cid) for cid in cids)
    finally:
        process.stop()


def test_pin_without_a_node_is_refused_before_any_work(issued, data, capsys):
    assert main([SYMBOL, "--rpc", issued.rpc_url, "--pin", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "--pin needs an IPFS node" in err and "IPFS ノードが必要" in err
    assert not (data / "manifests").exists()


def test_an_unreachable_node_is_reported_before_rendering(issued, data):
    with pytest.raises(PublishError, match="cannot reach the IPFS node") as info:
        publish(SYMBOL, issued.rpc_url, node=IpfsNode("/ip4/127.0.0.1/tcp/9/http", timeout=2), progress=False)
    assert "同じコマンドをもう一度実行" in str(info.value) and not isinstance(info.value, PublishPinError)
    assert not (data / "ipfs" / "blocks").exists()


def test_unknown_symbol_names_the_missing_record(issued, data, capsys):
    assert main(["NOSUCH", "--rpc", issued.rpc_url, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "no collection 'NOSUCH' is deployed on chain 31337" in err and "デプロイ記録がありません" in err


def test_unreachable_chain_is_a_clear_error(data, capsys):
    assert main([SYMBOL, "--rpc", "http://127.0.0.1:9", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the chain at http://127.0.0.1:9" in err and "Traceback" not in err


def test_script_runs_from_the_command_line(issued, data):
    import subprocess

    result = subprocess.run([sys.executable, str(Path(publish_script.__file__)), SYMBOL, "--rpc", issued.rpc_url,
                             "--workers", "2"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"{len(issued.live)} cards of {SYMBOL}" in result.stdout
    assert "render" in result.stderr  # the progress bar


def test_fingerprint_follows_the_metadata_package_and_the_collection(tmp_path, monkeypatch):
    from metadata.card import CollectionInfo

    copy = tmp_path / "metadata"
    shutil.copytree(publish_script.METADATA_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(publish_script, "METADATA_DIR", copy)
    mine = CollectionInfo("0x" + "11" * 20, "Mine Digital Resident", SYMBOL, "美祢市", "Mine City", False)
    key = publish_script.fingerprint(mine)
    assert publish_script.fingerprint(mine) == key
    layer = next(copy.glob("layers/*/*.png"))
    layer.write_bytes(layer.read_bytes() + b"\0")  # a municipality swapped an art layer
    changed_art = publish_script.fingerprint(mine)
    assert changed_art != key
    other = CollectionInfo("0x" + "11" * 20, "Mine Digital Resident", SYMBOL, "美祢市", "Mine-shi", False)
    assert publish_script.fingerprint(other) != changed_art


def test_the_chain_is_the_stacks_by_default(issued, data, monkeypatch, capsys):
    # No --rpc: Settings.rpc_url, which follows RESIDENT_RPC_PORT (before, it stayed http://127.0.0.1:8545).
    monkeypatch.delenv("RESIDENT_RPC_URL", raising=False)
    monkeypatch.setenv("RESIDENT_RPC_PORT", issued.rpc_url.rsplit(":", 1)[1])
    assert main([SYMBOL, "--quiet", "--workers", "1"]) == 0, capsys.readouterr().err
    # The record was written before block 0's hash was kept: it is checked by its code, then given the hash.
    record = json.loads((data / "deployments" / "31337" / f"{SYMBOL}.json").read_text(encoding="utf-8"))
    assert record["genesis_hash"] == Chain(issued.rpc_url).request("eth_getBlockByNumber", ["0x0", False])["hash"]


def test_a_record_of_another_chain_with_the_same_id_is_refused(issued, data, capsys):
    path = data / "deployments" / "31337" / f"{SYMBOL}.json"
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), "genesis_hash": "0x" + "11" * 32}),
                    encoding="utf-8")
    assert main([SYMBOL, "--rpc", issued.rpc_url, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "another chain with the same chain id 31337" in err and "別のチェーン" in err and "RESIDENT_RPC_URL" in err
    assert not manifest_path(31337, SYMBOL).exists()  # nothing published
