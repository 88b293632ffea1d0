"""The allowlist Merkle tree, against OpenZeppelin's StandardMerkleTree (no chain; the chain checks are Brownie tests)."""

import json

import pytest
from eth_utils import encode_hex, keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.campaigns.merkle import (
    ALLOWLIST_ENCODING,
    CAMPAIGN_PRICE,
    MerkleTreeError,
    StandardMerkleTree,
    allowlist_tree,
    hash_pair,
    leaf_hash,
    write_proofs,
)
from backend.errors import ResidentError

# The example of @openzeppelin/merkle-tree's README: values, tree, root and proof as the JS library gives them.
OZ_VALUES = [
    ["0x1111111111111111111111111111111111111111", "5000000000000000000"],
    ["0x2222222222222222222222222222222222222222", "2500000000000000000"],
]
OZ_TREE = [
    "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77",
    "0xeb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283",
    "0xb92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc",
]


def address(i):
    return "0x" + f"{i + 1:040x}"


def test_openzeppelin_readme_vector():
    tree = StandardMerkleTree.of(OZ_VALUES, ["address", "uint256"])
    assert tree.root_hex == OZ_TREE[0]
    assert [encode_hex(node) for node in tree.tree] == OZ_TREE
    assert [encode_hex(node) for node in tree.proof(0)] == [OZ_TREE[2]]


def test_dump_has_openzeppelin_format():
    dump = StandardMerkleTree.of(OZ_VALUES, ["address", "uint256"]).dump()
    assert dump == {
        "format": "standard-v1",
        "leafEncoding": ["address", "uint256"],
        "tree": OZ_TREE,
        "values": [{"value": OZ_VALUES[0], "treeIndex": 1}, {"value": OZ_VALUES[1], "treeIndex": 2}],
    }


def test_load_reads_a_javascript_dump_and_keeps_proofs():
    dump = {"format": "standard-v1", "leafEncoding": ["address", "uint256"], "tree": OZ_TREE,
            "values": [{"value": v, "treeIndex": i + 1} for i, v in enumerate(OZ_VALUES)]}
    tree = StandardMerkleTree.load(json.loads(json.dumps(dump)))
    assert tree.root_hex == OZ_TREE[0]
    assert [encode_hex(node) for node in tree.proof(0)] == [OZ_TREE[2]]
    assert tree.dump() == dump


def test_load_refuses_a_tampered_dump():
    dump = StandardMerkleTree.of(OZ_VALUES, ["address", "uint256"]).dump()
    dump["values"][0]["value"][1] = "6000000000000000000"
    with pytest.raises(MerkleTreeError, match="does not match its leaf"):
        StandardMerkleTree.load(dump)
    dump = StandardMerkleTree.of(OZ_VALUES, ["address", "uint256"]).dump()
    dump["tree"][0] = "0x" + "00" * 32
    with pytest.raises(MerkleTreeError, match="node 0"):
        StandardMerkleTree.load(dump)
    with pytest.raises(MerkleTreeError, match="format"):
        StandardMerkleTree.load({**dump, "format": "simple-v1"})


def test_leaf_is_double_hashed_abi_encoding():
    value = [address(0), CAMPAIGN_PRICE, 0]
    encoded = bytes.fromhex(address(0)[2:].rjust(64, "0")) + (2**256 - 1).to_bytes(32, "big") + bytes(32)
    assert leaf_hash(ALLOWLIST_ENCODING, value) == keccak(keccak(encoded))


def test_pair_hash_is_commutative():
    a, b = keccak(b"a"), keccak(b"b")
    assert hash_pair(a, b) == hash_pair(b, a) == keccak(min(a, b) + max(a, b))


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=40))
def test_every_proof_verifies_for_any_size(size):
    tree = allowlist_tree([(address(i), i if i % 2 else None, i % 3 or None) for i in range(size)])
    assert all(tree.verify(i) for i in range(size))
    assert len(tree.tree) == 2 * size - 1
    reloaded = StandardMerkleTree.load(json.loads(json.dumps(tree.dump())))
    assert reloaded.root == tree.root
    assert [reloaded.proof(i) for i in range(size)] == [tree.proof(i) for i in range(size)]


def test_single_entry_tree_has_the_leaf_as_root_and_no_proof():
    tree = allowlist_tree([(address(0), None, None)])
    assert tree.root == tree.leaf(0)
    assert tree.proof(0) == []


def test_proof_for_finds_an_address_in_any_case():
    tree = allowlist_tree([(address(i), None, None) for i in range(5)])
    assert tree.proof_for(address(3).upper().replace("0X", "0x")) == tree.proof(3)
    with pytest.raises(MerkleTreeError, match="not on the allowlist"):
        tree.proof_for(address(9))


def test_empty_allowlist_is_refused_with_a_resident_error():
    with pytest.raises(ResidentError, match="at least one"):
        allowlist_tree([])


def test_overrides_become_leaf_values():
    tree = allowlist_tree([(address(0), 10**16, 3), (address(1), None, None)])
    assert tree.values[0]["value"][1:] == [10**16, 3]
    assert tree.values[1]["value"][1:] == [CAMPAIGN_PRICE, 0]


def test_write_proofs_writes_one_file_per_address_and_an_index(tmp_path):
    tree = allowlist_tree([(address(i), None, i + 1) for i in range(3)])
    index = json.loads(write_proofs(tree, tmp_path).read_text(encoding="utf-8"))
    assert index["root"] == tree.root_hex
    assert sorted(index["entries"]) == sorted(StandardMerkleTree.load(json.loads((tmp_path / "tree.json").read_text()))
                                              .values[i]["value"][0] for i in range(3))
    for i in range(3):
        wallet = tree.values[i]["value"][0]
        record = json.loads((tmp_path / index["entries"][wallet]).read_text(encoding="utf-8"))
        assert record["address"] == wallet
        assert record["value"] == [wallet, str(CAMPAIGN_PRICE), str(i + 1)]
        assert record["proof"] == [encode_hex(node) for node in tree.proof(i)]
        assert record["leaf"] == encode_hex(tree.leaf(i))


def test_writing_a_new_list_removes_proofs_of_dropped_wallets(tmp_path):
    write_proofs(allowlist_tree([(address(i), None, None) for i in range(3)]), tmp_path)
    write_proofs(allowlist_tree([(address(i), None, None) for i in (1, 2, 3)]), tmp_path)
    names = sorted(p.name for p in tmp_path.glob("0x*.json"))
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert names == sorted(index["entries"].values())
    assert len(names) == 3
