"""The embedded content store: IPFS blocks in files, served by the backend at /ipfs/{cid}.

Blocks live under <data dir>/ipfs/blocks/<2 chars>/<cid>, sharded on the two
characters before the CID's last one (as the flatfs datastore of IPFS nodes
does), so no folder grows past about a thousand files. Every block is written
to a temporary file and renamed into place, and a chunked file's root block is
written last: a killed process leaves no half-written block, and `has(root)`
implies every block under it is there.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from metadata.cid import DAG_PB, EncodedFile, dag_pb_links, encode_file, parse_cid
from metadata.errors import ContentNotFoundError, CorruptBlockError


def default_store_dir() -> Path:
    from backend.settings import Settings

    return Settings().data_dir / "ipfs" / "blocks"


class ContentStore:
    """Content-addressed blocks on local disk: put bytes, get them back by CID."""

    def __init__(self, root: Path | str | None = None, *, fsync: bool = False) -> None:
        self.root = Path(root) if root is not None else default_store_dir()
        # fsync makes a write survive power loss, not just a killed process; it
        # costs ~10 ms a block, too slow for 20,000 files in a campaign run.
        self.fsync = fsync

    def path_of(self, cid: str) -> Path:
        parse_cid(cid)
        return self.root / cid[-3:-1] / cid

    def has(self, cid: str) -> bool:
        """True when the whole content of `cid` is stored (its root block is written last)."""
        return self.path_of(cid).exists()

    def put(self, data: bytes) -> str:
        """Stores `data` as IPFS blocks and returns its CID (the same `ipfs add` gives)."""
        return self.put_encoded(encode_file(data))

    def put_encoded(self, encoded: EncodedFile) -> str:
        """Stores already-encoded blocks; children first, the root last."""
        for cid, block in encoded.blocks.items():
            if cid != encoded.cid:
                self._write(cid, block)
        self._write(encoded.cid, encoded.blocks[encoded.cid])
        return encoded.cid

    def _write(self, cid: str, block: bytes) -> None:
        path = self.path_of(cid)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(block)
                if self.fsync:
                    out.flush()
                    os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def block(self, cid: str, *, root: str | None = None) -> bytes:
        """One block, checked against its CID."""
        parsed = parse_cid(cid)
        path = self.root / cid[-3:-1] / cid
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ContentNotFoundError(root or cid, cid) from None
        if not parsed.matches(data):
            raise CorruptBlockError(cid, path)
        return data

    def iter_content(self, cid: str) -> Iterator[bytes]:
        """The file's bytes in pieces (one per leaf block), for streaming responses."""
        stack = [cid]
        while stack:
            current = stack.pop()
            data = self.block(current, root=cid)
            if parse_cid(current).codec == DAG_PB:
                stack.extend(reversed(dag_pb_links(data)))
            else:
                yield data

    def get(self, cid: str) -> bytes:
        """The file's bytes, reassembled from its blocks; ContentNotFoundError when absent."""
        return b"".join(self.iter_content(cid))
