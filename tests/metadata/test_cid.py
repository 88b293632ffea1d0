"""cid_of gives exactly the CIDv1 `ipfs add --cid-version=1 --raw-leaves` gives, chunked files included."""

import random

import pytest

from metadata.cid import CHUNK_SIZE, MAX_LINKS, cid_of, dag_pb_links, encode_file, parse_cid
from metadata.errors import InvalidCidError

HELLO = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
EMPTY = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def data_of(size, seed=7):
    return random.Random(seed * 1_000_003 + size).randbytes(size)


def test_known_vector():
    assert cid_of(b"hello world\n") == HELLO


def test_empty_file_is_the_raw_empty_block():
    assert cid_of(b"") == EMPTY


# Sizes around the chunk boundary, a multi-chunk file, and trees that need a
# second level (more than 174 chunks: 174 * 256 KiB = 43.5 MiB).
SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * 1024 * 1024,
         MAX_LINKS * CHUNK_SIZE, MAX_LINKS * CHUNK_SIZE + 1, 46 * 1024 * 1024]


@pytest.mark.parametrize("size", SIZES)
def test_matches_the_real_ipfs_node(ipfs_node, size):
    data = data_of(size)
    returned = ipfs_node._client.add_bytes(
        data, opts={"cid-version": 1, "raw-leaves": True, "cid-base": "base32", "pin": False}, timeout=120)
    assert cid_of(data) == returned


def test_single_chunk_is_raw_and_more_is_dag_pb():
    assert cid_of(data_of(CHUNK_SIZE)).startswith("bafkrei")
    assert cid_of(data_of(CHUNK_SIZE + 1)).startswith("bafybei")


def test_blocks_cover_the_file_and_the_root_links_them_in_order():
    data = data_of(3 * CHUNK_SIZE + 10)
    encoded = encode_file(data)
    assert encoded.size == len(data)
    links = dag_pb_links(encoded.blocks[encoded.cid])
    assert b"".join(encoded.blocks[link] for link in links) == data
    assert [len(encoded.blocks[link]) for link in links] == [CHUNK_SIZE] * 3 + [10]


def test_two_level_tree_root_has_two_children():
    data = data_of(MAX_LINKS * CHUNK_SIZE + 1)
    encoded = encode_file(data)
    root_links = dag_pb_links(encoded.blocks[encoded.cid])
    assert len(root_links) == 2
    assert len(dag_pb_links(encoded.blocks[root_links[0]])) == MAX_LINKS
    assert len(encoded.blocks) == MAX_LINKS + 1 + 2 + 1  # leaves + two parents + root


def test_every_block_hashes_to_its_cid():
    encoded = encode_file(data_of(5 * CHUNK_SIZE))
    for cid, block in encoded.blocks.items():
        assert parse_cid(cid).matches(block)


def test_46_mib_is_fast():
    import time

    data = data_of(46 * 1024 * 1024)
    start = time.perf_counter()
    cid_of(data)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("text, reason", [
    ("QmRaaUwTNfwgFZpeUy8qrZwrp2dY4kCKmmB5xEqvH3vtD1", "lowercase base32"),
    ("BAFKREIFJJCIE6LYPI6NY7AMXNFFTAGCLBUXNDQONFIPMB64F2KM2DEVEI4", "lowercase base32"),
    ("bafkrei!!", "base32"),
    ("b", "base32"),
    ("bafyreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4", "codec"),
    ("../../etc/passwd", "lowercase base32"),
])
def test_bad_cids_are_refused_with_a_reason(text, reason):
    with pytest.raises(InvalidCidError, match=reason):
        parse_cid(text)
