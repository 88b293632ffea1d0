"""OpenZeppelin StandardMerkleTree, in Python, for campaign allowlists.

Byte for byte what `@openzeppelin/merkle-tree`'s `StandardMerkleTree` builds, so that OpenZeppelin's
`MerkleProof` (and ResidentMinter) accept our proofs and staff tools that load OZ dumps can read ours:

- leaf = keccak256(keccak256(abi.encode(values)))  (hashed twice: a leaf can never pass for a node);
- leaves sorted by hash; the tree is a flat array, root at index 0, children of i at 2i+1 and 2i+2,
  leaves filling the end of the array in reverse order;
- a node hashes its two children sorted (commutative), as `MerkleProof` expects.

The allowlist leaf of ResidentMinter is (address account, uint256 price, uint256 maxClaims), where
price 2**256-1 means "the campaign's price" and maxClaims 0 "the campaign's wallet limit".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_utils import encode_hex, keccak, to_checksum_address

from backend.errors import ResidentError
from backend.messages import english_first

FORMAT = "standard-v1"
ALLOWLIST_ENCODING = ["address", "uint256", "uint256"]
CAMPAIGN_PRICE = 2**256 - 1  # "use the campaign's price" in an allowlist leaf
CAMPAIGN_LIMIT = 0  # "use the campaign's wallet limit"


class MerkleTreeError(ResidentError):
    """Raised when a tree cannot be built, loaded or asked for a proof."""


def leaf_hash(encoding: Sequence[str], value: Sequence[Any]) -> bytes:
    """The double-hashed leaf of `value` ABI-encoded as `encoding`."""
    return keccak(keccak(encode(list(encoding), list(value))))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """A parent node: the two children sorted, concatenated, hashed."""
    return keccak(a + b if a < b else b + a)


def _normalise(encoding: Sequence[str], value: Sequence[Any]) -> list[Any]:
    """Values as eth_abi wants them (ints, checksummed addresses); JSON dumps give decimal strings."""
    if len(value) != len(encoding):
        raise MerkleTreeError(f"value {list(value)!r} has {len(value)} fields, the encoding {list(encoding)} has {len(encoding)}")
    out = []
    for kind, item in zip(encoding, value):
        if kind.startswith(("uint", "int")):
            out.append(int(item, 0) if isinstance(item, str) else int(item))
        elif kind == "address":
            out.append(to_checksum_address(item))
        elif kind.startswith("bytes") and isinstance(item, str):
            out.append(bytes.fromhex(item.removeprefix("0x")))
        else:
            out.append(item)
    return out


class StandardMerkleTree:
    """A Merkle tree of ABI-encoded values, laid out exactly as OpenZeppelin's StandardMerkleTree."""

    def __init__(self, tree: list[bytes], values: list[dict[str, Any]], leaf_encoding: list[str]) -> None:
        self.tree = tree
        self.values = values  # [{"value": [...], "treeIndex": int}] in insertion order
        self.leaf_encoding = list(leaf_encoding)

    @classmethod
    def of(cls, values: Iterable[Sequence[Any]], leaf_encoding: Sequence[str], sort_leaves: bool = True) -> StandardMerkleTree:
        """Builds the tree of `values` (OZ `StandardMerkleTree.of`)."""
        values = [_normalise(leaf_encoding, v) for v in values]
        if not values:
            raise MerkleTreeError(english_first("allowlist_empty"))
        hashed = [(leaf_hash(leaf_encoding, v), i) for i, v in enumerate(values)]
        if sort_leaves:
            hashed.sort(key=lambda pair: pair[0])
        tree = _make_tree([h for h, _ in hashed])
        indexed = [{"value": v, "treeIndex": 0} for v in values]
        for leaf_index, (_, value_index) in enumerate(hashed):
            indexed[value_index]["treeIndex"] = len(tree) - leaf_index - 1
        return cls(tree, indexed, list(leaf_encoding))

    @property
    def root(self) -> bytes:
        return self.tree[0]

    @property
    def root_hex(self) -> str:
        return encode_hex(self.root)

    def leaf(self, index: int) -> bytes:
        return leaf_hash(self.leaf_encoding, self.values[index]["value"])

    def proof(self, index: int) -> list[bytes]:
        """The proof of the value at `index` (insertion order), leaf to root (OZ `getProof(index)`)."""
        if not 0 <= index < len(self.values):
            raise MerkleTreeError(f"no value at index {index}; the tree has {len(self.values)}")
        node = self.values[index]["treeIndex"]
        proof = []
        while node > 0:
            sibling = node + 1 if node % 2 == 1 else node - 1
            proof.append(self.tree[sibling])
            node = (node - 1) // 2
        return proof

    def index_of(self, address: str) -> int:
        """Index of the first value whose first field is `address` (an allowlist's account)."""
        wanted = to_checksum_address(address)
        for i, entry in enumerate(self.values):
            if to_checksum_address(entry["value"][0]) == wanted:
                return i
        raise MerkleTreeError(english_first("not_on_the_allowlist", address=wanted))

    def proof_for(self, address: str) -> list[bytes]:
        """The proof of `address`'s entry."""
        return self.proof(self.index_of(address))

    def verify(self, index: int) -> bool:
        """Recomputes the root from the proof of `index` (OZ `MerkleProof.verify`)."""
        node = self.leaf(index)
        for sibling in self.proof(index):
            node = hash_pair(node, sibling)
        return node == self.root

    def dump(self) -> dict[str, Any]:
        """The tree as OZ's `StandardMerkleTree.dump()` writes it (uint256 as decimal strings)."""
        return {
            "format": FORMAT,
            "leafEncoding": self.leaf_encoding,
            "tree": [encode_hex(node) for node in self.tree],
            "values": [
                {"value": [_json_value(kind, item) for kind, item in zip(self.leaf_encoding, e["value"])], "treeIndex": e["treeIndex"]}
                for e in self.values
            ],
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> StandardMerkleTree:
        """A tree from an OZ `dump()` (ours or the JavaScript library's), checked for consistency."""
        if data.get("format") != FORMAT:
            raise MerkleTreeError(f"unknown tree format {data.get('format')!r}; expected {FORMAT!r}")
        encoding = list(data["leafEncoding"])
        tree = [bytes.fromhex(node.removeprefix("0x")) for node in data["tree"]]
        values = [{"value": _normalise(encoding, e["value"]), "treeIndex": int(e["treeIndex"])} for e in data["values"]]
        loaded = cls(tree, values, encoding)
        loaded.validate()
        return loaded

    def validate(self) -> None:
        """Raises MerkleTreeError unless every node and leaf is what the values give."""
        for i in range(len(self.tree)):
            left, right = 2 * i + 1, 2 * i + 2
            if right < len(self.tree) and self.tree[i] != hash_pair(self.tree[left], self.tree[right]):
                raise MerkleTreeError(f"tree node {i} is not the hash of its children; the dump is corrupt")
        for i, entry in enumerate(self.values):
            if self.tree[entry["treeIndex"]] != self.leaf(i):
                raise MerkleTreeError(f"value {i} does not match its leaf; the dump is corrupt")


def _json_value(kind: str, item: Any) -> Any:
    if kind.startswith(("uint", "int")):
        return str(item)
    if isinstance(item, bytes):
        return encode_hex(item)
    return item


def _make_tree(leaves: list[bytes]) -> list[bytes]:
    tree: list[bytes] = [b""] * (2 * len(leaves) - 1)
    for i, leaf in enumerate(leaves):
        tree[len(tree) - 1 - i] = leaf
    for i in range(len(tree) - 1 - len(leaves), -1, -1):
        tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
    return tree


def allowlist_tree(entries: Iterable[tuple[str, int | None, int | None]]) -> StandardMerkleTree:
    """The tree of (address, price in wei or None, max claims or None) entries; None = campaign's value."""
    values = [
        (address, CAMPAIGN_PRICE if price is None else price, CAMPAIGN_LIMIT if limit is None else limit)
        for address, price, limit in entries
    ]
    return StandardMerkleTree.of(values, ALLOWLIST_ENCODING)


def write_proofs(tree: StandardMerkleTree, folder: Path | str) -> Path:
    """Writes `<address>.json` per allowlist entry, `tree.json` (the OZ dump) and `index.json`.

    A proofs file holds what a wallet passes to `claim`: the leaf values and the proof. The index maps
    every address to its file, with the root. Proofs files of addresses no longer in the tree are
    removed. Returns the index's path.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    index = {"root": tree.root_hex, "leafEncoding": tree.leaf_encoding, "entries": {}}
    for i, entry in enumerate(tree.values):
        address = to_checksum_address(entry["value"][0])
        record = {
            "address": address,
            "value": [_json_value(k, v) for k, v in zip(tree.leaf_encoding, entry["value"])],
            "leaf": encode_hex(tree.leaf(i)),
            "proof": [encode_hex(node) for node in tree.proof(i)],
            "root": tree.root_hex,
        }
        _write_json(folder / f"{address}.json", record)
        index["entries"][address] = f"{address}.json"
    # A list written again (an updated campaign) must not leave the proofs of dropped wallets behind.
    for stale in folder.glob("0x*.json"):
        if stale.stem not in index["entries"]:
            stale.unlink()
    _write_json(folder / "tree.json", tree.dump())
    return _write_json(folder / "index.json", index)


def _write_json(path: Path, data: Any) -> Path:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
