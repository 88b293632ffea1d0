"""Adding and pinning on the real IPFS node: CIDs checked against ours, resumable pinning."""

import random

import pytest

from metadata.cid import CHUNK_SIZE, cid_of
from metadata.errors import CidMismatchError, IpfsNodeError, PinIncompleteError
from metadata.ipfs import IpfsNode, node_from_env, pin_all
from metadata.store import ContentStore
from tools.ipfs_node import IpfsNodeProcess


def test_add_returns_our_cid_and_pins(ipfs_node):
    data = b"resident card metadata " + random.randbytes(16)
    cid = ipfs_node.add(data)
    assert cid == cid_of(data)
    assert ipfs_node.is_pinned(cid)
    assert ipfs_node.cat(cid) == data


def test_chunked_content_round_trips_through_the_node(ipfs_node):
    data = random.Random(5).randbytes(3 * CHUNK_SIZE + 7)
    cid = ipfs_node.add(data)
    assert cid.startswith("bafybei")
    assert ipfs_node.cat(cid) == data


def test_a_cid_other_than_ours_is_a_mismatch(ipfs_node):
    with pytest.raises(CidMismatchError, match="default chunker"):
        ipfs_node.add(b"bytes", expected=cid_of(b"other bytes"))


def test_missing_cid_times_out_instead_of_hanging(ipfs_process):
    node = IpfsNode(ipfs_process.api, timeout=1)
    with pytest.raises(IpfsNodeError, match="did not answer"):
        node.cat(cid_of(b"nobody has this " + random.randbytes(8)))


def test_unreachable_node_is_a_clear_error():
    node = IpfsNode("/ip4/127.0.0.1/tcp/9/http", timeout=2)
    with pytest.raises(IpfsNodeError, match="cannot reach the IPFS node"):
        node.version()


def test_bad_address_is_refused():
    with pytest.raises(IpfsNodeError, match="not an IPFS RPC address"):
        IpfsNode("localhost:5001")


def test_http_url_is_accepted(ipfs_process):
    host_port = ipfs_process.api.split("/")
    node = IpfsNode(f"http://{host_port[2]}:{host_port[4]}")
    assert node.version()


def test_node_from_env(monkeypatch, ipfs_process):
    monkeypatch.delenv("RESIDENT_IPFS_API", raising=False)
    assert node_from_env() is None
    monkeypatch.setenv("RESIDENT_IPFS_API", ipfs_process.api)
    assert node_from_env().address == ipfs_process.api


def test_pin_all_pins_everything_once(ipfs_node, tmp_path):
    store = ContentStore(tmp_path / "blocks")
    cids = [store.put(f"card {i} {random.random()}".encode()) for i in range(5)]
    journal = tmp_path / "pins.sqlite"
    first = pin_all(ipfs_node, store, cids, journal=journal)
    assert (first.newly_pinned, first.already_pinned) == (5, 0)
    assert all(ipfs_node.is_pinned(cid) for cid in cids)
    again = pin_all(ipfs_node, store, cids + [cids[0]], journal=journal)
    assert (again.total, again.newly_pinned, again.already_pinned) == (5, 0, 5)


def test_pin_all_refuses_cids_not_in_the_store(ipfs_node, tmp_path):
    store = ContentStore(tmp_path / "blocks")
    with pytest.raises(IpfsNodeError, match="not in the local content store"):
        pin_all(ipfs_node, store, [cid_of(b"absent")], journal=tmp_path / "j.sqlite")


def test_node_stopping_mid_pin_is_resumable(tmp_path):
    """The node goes away after 3 of 8 pins: the error says so, and a re-run finishes the 5 others."""
    store = ContentStore(tmp_path / "blocks")
    cids = [store.put(f"resumable {i} {random.random()}".encode()) for i in range(8)]
    journal = tmp_path / "pins.sqlite"
    process = IpfsNodeProcess(tmp_path / "node").start()
    try:
        node = IpfsNode(process.api, timeout=5)

        def stop_after_three(done, total):
            if done == 3:
                process.stop()

        with pytest.raises(PinIncompleteError) as info:
            pin_all(node, store, cids, journal=journal, progress=stop_after_three)
        assert (info.value.pinned, info.value.total) == (3, 8)
        assert "run the same pin again" in str(info.value)
        process.start()
        node = IpfsNode(process.api, timeout=5)
        report = pin_all(node, store, cids, journal=journal)
        assert (report.already_pinned, report.newly_pinned) == (3, 5)
        assert all(node.is_pinned(cid) for cid in cids)
    finally:
        process.stop()
