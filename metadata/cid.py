"""Content identifiers exactly as `ipfs add --cid-version=1 --raw-leaves` makes them.

IPFS cuts a file into chunks of 262,144 bytes (the default `size-262144`
chunker). One chunk is stored as itself: a raw block, CID `bafkrei...`. More
chunks become a balanced tree of dag-pb nodes, each holding at most 174 links
and a UnixFS `File` record (total size, size under each link); the root's CID
(`bafybei...`) names the file. Python CID libraries only cover the single-chunk
case, so the tree is built here, byte for byte as go-ipfs and js-ipfs encode it
(dag-pb: Links before Data; PBLink: Hash, Name "", Tsize; UnixFS: Type,
filesize, then one non-packed `blocksizes` entry per child).

Only CIDv1 in lowercase base32 with sha2-256 is produced and accepted: that
is what this project writes, and what the configured node is asked to return.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from metadata.errors import InvalidCidError

CHUNK_SIZE = 262_144
MAX_LINKS = 174

RAW = 0x55
DAG_PB = 0x70
SHA2_256 = 0x12
UNIXFS_FILE = 2


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes | memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _cid_bytes(codec: int, block: bytes | memoryview) -> bytes:
    return b"\x01" + _varint(codec) + bytes((SHA2_256, 32)) + hashlib.sha256(block).digest()


def _cid_text(cid_bytes: bytes) -> str:
    return "b" + base64.b32encode(cid_bytes).decode("ascii").rstrip("=").lower()


@dataclass(frozen=True)
class Cid:
    """A parsed CIDv1 (base32, sha2-256): its codec and digest."""

    text: str
    codec: int
    digest: bytes

    @property
    def raw_bytes(self) -> bytes:
        return b"\x01" + _varint(self.codec) + bytes((SHA2_256, 32)) + self.digest

    def matches(self, block: bytes | memoryview) -> bool:
        """True when `block` hashes to this CID."""
        return hashlib.sha256(block).digest() == self.digest


def parse_cid(text: str) -> Cid:
    """Parses a CIDv1 in base32 (`bafy...`, `bafk...`); raises InvalidCidError otherwise."""
    if not isinstance(text, str) or len(text) < 2 or text[0] != "b" or text != text.lower():
        raise InvalidCidError(text, "expected a CIDv1 in lowercase base32 (starting with 'b', e.g. bafkrei...)")
    body = text[1:].upper()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
        version, pos = _read_varint(raw, 0)
        codec, pos = _read_varint(raw, pos)
        hash_code, pos = _read_varint(raw, pos)
        length, pos = _read_varint(raw, pos)
    except (ValueError, base64.binascii.Error) as exc:
        raise InvalidCidError(text, f"not valid base32 CID bytes ({exc})") from None
    if version != 1:
        raise InvalidCidError(text, f"CID version {version}; only CIDv1 is used")
    if codec not in (RAW, DAG_PB):
        raise InvalidCidError(text, f"codec 0x{codec:x}; only raw (0x55) and dag-pb (0x70) are stored")
    if hash_code != SHA2_256 or length != 32 or len(raw) - pos != 32:
        raise InvalidCidError(text, "only sha2-256 multihashes of 32 bytes are used")
    cid = Cid(text=text, codec=codec, digest=raw[pos:])
    if _cid_text(cid.raw_bytes) != text:
        raise InvalidCidError(text, "not in canonical base32 form")
    return cid


@dataclass
class EncodedFile:
    """A file as IPFS stores it: root CID and every block (CID -> bytes), children before parents."""

    cid: str
    size: int
    blocks: dict[str, bytes] = field(default_factory=dict)


@dataclass
class _Node:
    cid_bytes: bytes
    file_size: int  # bytes of file content under this node
    tsize: int  # cumulative serialized size (the PBLink Tsize)


def _dag_pb_file_node(children: list[_Node]) -> bytes:
    """A dag-pb node linking `children` with a UnixFS File record, in go/js-ipfs field order."""
    out = bytearray()
    for child in children:
        link = (b"\x0a" + _varint(len(child.cid_bytes)) + child.cid_bytes
                + b"\x12\x00"  # Name: "" (written, as both implementations do)
                + b"\x18" + _varint(child.tsize))
        out += b"\x12" + _varint(len(link)) + link
    unixfs = bytearray(b"\x08" + _varint(UNIXFS_FILE))
    unixfs += b"\x18" + _varint(sum(c.file_size for c in children))
    for child in children:
        unixfs += b"\x20" + _varint(child.file_size)
    out += b"\x0a" + _varint(len(unixfs)) + unixfs
    return bytes(out)


def encode_file(data: bytes) -> EncodedFile:
    """Splits `data` into IPFS blocks; the result's `cid` is what `ipfs add --cid-version=1 --raw-leaves` prints."""
    data = bytes(data)
    view = memoryview(data)
    if len(data) <= CHUNK_SIZE:
        cid_bytes = _cid_bytes(RAW, data)
        cid = _cid_text(cid_bytes)
        return EncodedFile(cid=cid, size=len(data), blocks={cid: data})

    blocks: dict[str, bytes] = {}
    level: list[_Node] = []
    for start in range(0, len(data), CHUNK_SIZE):
        chunk = view[start:start + CHUNK_SIZE]
        cid_bytes = _cid_bytes(RAW, chunk)
        blocks[_cid_text(cid_bytes)] = chunk.tobytes()
        level.append(_Node(cid_bytes, len(chunk), len(chunk)))

    # Balanced layout: group each level's nodes 174 at a time until one remains.
    while len(level) > 1:
        parents = []
        for start in range(0, len(level), MAX_LINKS):
            children = level[start:start + MAX_LINKS]
            block = _dag_pb_file_node(children)
            cid_bytes = _cid_bytes(DAG_PB, block)
            blocks[_cid_text(cid_bytes)] = block
            parents.append(_Node(cid_bytes, sum(c.file_size for c in children),
                                 len(block) + sum(c.tsize for c in children)))
        level = parents
    return EncodedFile(cid=_cid_text(level[0].cid_bytes), size=len(data), blocks=blocks)


def cid_of(data: bytes) -> str:
    """The CIDv1 (base32) of `data` as `ipfs add --cid-version=1 --raw-leaves` gives it."""
    if len(data) <= CHUNK_SIZE:
        return _cid_text(_cid_bytes(RAW, data))
    return encode_file(data).cid


def dag_pb_links(block: bytes) -> list[str]:
    """The CIDs a dag-pb block links to, in order (to reassemble a chunked file)."""
    links = []
    view = memoryview(block)
    pos = 0
    try:
        while pos < len(view):
            key, pos = _read_varint(view, pos)
            if key & 7 != 2:
                raise ValueError(f"unexpected wire type in field {key >> 3}")
            length, pos = _read_varint(view, pos)
            end = pos + length
            if end > len(view):
                raise ValueError("truncated field")
            if key >> 3 == 2:  # PBLink
                inner = pos
                while inner < end:
                    lkey, inner = _read_varint(view, inner)
                    if lkey & 7 == 2:
                        llen, inner = _read_varint(view, inner)
                        if lkey >> 3 == 1:
                            links.append(_cid_text(bytes(view[inner:inner + llen])))
                        inner += llen
                    elif lkey & 7 == 0:
                        _, inner = _read_varint(view, inner)
                    else:
                        raise ValueError("unexpected wire type in a link")
            pos = end
    except ValueError as exc:
        raise InvalidCidError("(dag-pb block)", f"the block is not a valid dag-pb node: {exc}") from None
    return links
