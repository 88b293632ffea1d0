"""The embedded content store: put, get (chunked files reassembled), has, atomic writes."""

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metadata.cid import CHUNK_SIZE, cid_of, dag_pb_links, encode_file
from metadata.errors import ContentNotFoundError, CorruptBlockError, InvalidCidError
from metadata.store import ContentStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path):
    return ContentStore(tmp_path / "blocks")


def test_put_returns_the_ipfs_cid_and_get_returns_the_bytes(store):
    cid = store.put(b"hello world\n")
    assert cid == "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
    assert store.has(cid)
    assert store.get(cid) == b"hello world\n"


def test_chunked_file_is_reassembled(store):
    data = random.Random(1).randbytes(4 * CHUNK_SIZE + 123)
    cid = store.put(data)
    assert cid == cid_of(data)
    assert store.get(cid) == data
    assert len(list(store.iter_content(cid))) == 5


def test_two_level_tree_is_reassembled(store):
    from metadata.cid import MAX_LINKS

    data = random.Random(4).randbytes(MAX_LINKS * CHUNK_SIZE + 5)
    cid = store.put(data)
    assert store.get(cid) == data
    assert len(list(store.iter_content(cid))) == MAX_LINKS + 1


def test_empty_file(store):
    cid = store.put(b"")
    assert store.get(cid) == b""


def test_blocks_are_sharded_by_the_two_characters_before_the_last(store):
    cid = store.put(b"x")
    assert store.path_of(cid) == store.root / cid[-3:-1] / cid
    assert store.path_of(cid).read_bytes() == b"x"


def test_putting_twice_keeps_one_copy(store):
    store.put(b"same")
    store.put(b"same")
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert len(files) == 1


def test_missing_cid_is_a_clear_not_found(store):
    with pytest.raises(ContentNotFoundError, match="not in the local content store"):
        store.get(cid_of(b"never stored"))
    assert not store.has(cid_of(b"never stored"))


def test_missing_leaf_names_the_block(store):
    data = random.Random(2).randbytes(2 * CHUNK_SIZE + 1)
    cid = store.put(data)
    leaf = dag_pb_links(encode_file(data).blocks[cid])[1]
    store.path_of(leaf).unlink()
    with pytest.raises(ContentNotFoundError) as info:
        store.get(cid)
    assert info.value.cid == cid and info.value.missing == leaf


def test_tampered_block_is_refused(store):
    cid = store.put(b"original")
    store.path_of(cid).write_bytes(b"tampered")
    with pytest.raises(CorruptBlockError, match="does not match its CID"):
        store.get(cid)


def test_path_traversal_is_refused(store):
    with pytest.raises(InvalidCidError):
        store.get("../../etc/passwd")


def test_killed_writer_leaves_no_partial_content(tmp_path):
    """A process killed while writing a 40 MiB file leaves either nothing under its CID or all of it."""
    root = tmp_path / "blocks"
    data_path = tmp_path / "data.bin"
    data = random.Random(3).randbytes(40 * 1024 * 1024)
    data_path.write_bytes(data)
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
              "from metadata.store import ContentStore\n"
              # a slow disk: 10 ms per block, so the kill surely lands mid-file
              "import time; write = ContentStore._write\n"
              "ContentStore._write = lambda self, cid, block: (write(self, cid, block), time.sleep(0.01))\n"
              f"s = ContentStore({str(root)!r})\n"
              "print('go', flush=True)\n"
              f"s.put(open({str(data_path)!r}, 'rb').read())\n")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "go"
    # Let it write some blocks (of its 161), then kill it without warning.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (root.exists() and sum(1 for _ in root.rglob("b*")) >= 20):
        time.sleep(0.005)
    process.kill()
    process.wait()
    store = ContentStore(root)
    cid = cid_of(data)
    written = [p for p in root.rglob("*") if p.is_file()]
    assert written, "the writer was killed before it wrote anything; the test proves nothing"
    assert not store.has(cid)
    assert all(not p.name.startswith(".tmp-") or p.stat().st_size <= CHUNK_SIZE for p in written)
    for path in written:
        if not path.name.startswith(".tmp-"):
            assert store.block(path.name) is not None  # every block in place is whole
    # Putting again completes the content.
    assert store.put(data) == cid
    assert store.get(cid) == data
