"""Adding and pinning on the real IPFS node: CIDs checked against ours, resumable pinning."""

import random

import pytest

from metadata.cid import CHUNK_SIZE, cid_of
from metadata.errors import CidMismatchError, IpfsNodeError, PinIncompleteError
from metadata.ipfs import IpfsNode, node_at, pin_all
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


def test_node_at_the_configured_address(ipfs_process):
    assert node_at(None) is None and node_at("  ") is None  # RESIDENT_IPFS_API unset or blank: no node
    assert node_at(f" {ipfs_process.api} ").address == ipfs_process.api


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


def test_add_many_checks_every_cid(ipfs_node):
    items = [f"batch item {i} {random.random()}".encode() for i in range(3)]
    assert ipfs_node.add_many(items) == [cid_of(item) for item in items]
    with pytest.raises(CidMismatchError):
        ipfs_node.add_many(items, [cid_of(items[0]), cid_of(items[1]), cid_of(b"something else")])


def test_batches_are_bounded_by_count_and_bytes(ipfs_node, tmp_path):
    store = ContentStore(tmp_path / "blocks")
    big = [store.put(random.randbytes(3_000_000)) for _ in range(3)]  # 8 MB per request: 2 + 1
    small = [store.put(f"small {i} {random.random()}".encode()) for i in range(40)]
    calls = []
    pin_all(ipfs_node, store, big + small, journal=tmp_path / "pins.sqlite",
            progress=lambda done, total: calls.append(done))
    # [big, big] (a third would pass 8 MB), [big + 31 small] (32 items), [9 small]
    assert calls == [0, 2, 34, 43]
    assert all(ipfs_node.is_pinned(cid) for cid in big + small[::13])


def test_node_stopping_mid_pin_is_resumable(tmp_path):
    """The node goes away after the first batch of 32 of 70: the error says so; a re-run finishes the 38 others."""
    store = ContentStore(tmp_path / "blocks")
    cids = [store.put(f"resumable {i} {random.random()}".encode()) for i in range(70)]
    journal = tmp_path / "pins.sqlite"
    process = IpfsNodeProcess(tmp_path / "node").start()
    try:
        node = IpfsNode(process.api, timeout=5)

        def stop_after_first_batch(done, total):
            if done == 32:
                process.stop()

        with pytest.raises(PinIncompleteError) as info:
            pin_all(node, store, cids, journal=journal, progress=stop_after_first_batch)
        assert (info.value.pinned, info.value.total) == (32, 70)
        assert "run the same pin again" in str(info.value) and "cannot reach the IPFS node" in str(info.value)
        process.start()
        node = IpfsNode(process.api, timeout=5)
        report = pin_all(node, store, cids, journal=journal)
        assert (report.already_pinned, report.newly_pinned) == (32, 38)
        assert all(node.is_pinned(cid) for cid in cids)
    finally:
        process.stop()
