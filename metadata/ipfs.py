"""Adding and pinning content on a configured IPFS node, checked against our own CIDs.

The local content store is the source of truth; a node (its RPC address in
RESIDENT_IPFS_API, e.g. /ip4/127.0.0.1/tcp/5001/http) gets the same bytes
with CIDv1, raw leaves and the default chunker, and must answer with the CID
`cid_of` computed, or the upload is refused as a mismatch. `pin_all` keeps a
journal (SQLite, per node identity) of what is pinned, so a run cut short by
the node going away is finished by running it again.

ipfshttpclient 0.7.0 is the last release; its `connect()` refuses current
daemons by version, so the client is constructed directly.
"""

from __future__ import annotations

import io
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from metadata.cid import cid_of
from metadata.errors import CidMismatchError, IpfsNodeError, PinIncompleteError
from metadata.store import ContentStore

ENV_API = "RESIDENT_IPFS_API"
DEFAULT_TIMEOUT = 30.0

with warnings.catch_warnings():
    # ipfshttpclient imports multiaddr, which warns about deprecated pkg_resources use.
    warnings.simplefilter("ignore")
    import ipfshttpclient
    from ipfshttpclient import exceptions as ipfs_exceptions


def _to_multiaddr(address: str) -> str:
    """Accepts a multiaddr or an http://host:port URL."""
    if address.startswith(("http://", "https://")):
        from urllib.parse import urlparse

        url = urlparse(address)
        scheme = url.scheme
        host = url.hostname or "127.0.0.1"
        kind = "ip6" if ":" in host else ("ip4" if host.replace(".", "").isdigit() else "dns")
        return f"/{kind}/{host}/tcp/{url.port or (443 if scheme == 'https' else 80)}/{scheme}"
    return address


class IpfsNode:
    """An IPFS node reached through its RPC API (Kubo's /api/v0, also answered by js-ipfs)."""

    def __init__(self, address: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.address = _to_multiaddr(address)
        self.timeout = timeout
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._client = ipfshttpclient.Client(self.address, timeout=timeout)
        except ipfs_exceptions.AddressError as exc:
            raise IpfsNodeError(f"{address!r} is not an IPFS RPC address; use e.g. /ip4/127.0.0.1/tcp/5001/http "
                                f"({exc})") from None
        self._node_id: str | None = None

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fn(*args, **kwargs)
        except ipfs_exceptions.TimeoutError:
            raise IpfsNodeError(f"the IPFS node at {self.address} did not answer {what} within "
                                f"{self.timeout:.0f} s") from None
        except ipfs_exceptions.ConnectionError:
            raise IpfsNodeError(f"cannot reach the IPFS node at {self.address} ({what}); is it running? "
                                f"check {ENV_API}") from None
        except ipfs_exceptions.Error as exc:
            raise IpfsNodeError(f"the IPFS node at {self.address} refused {what}: {exc}") from None

    @property
    def node_id(self) -> str:
        """The node's peer ID: names whose pins the journal records."""
        if self._node_id is None:
            self._node_id = str(self._call("`id`", self._client.id, timeout=self.timeout)["ID"])
        return self._node_id

    def version(self) -> str:
        return str(self._call("`version`", self._client.version, timeout=self.timeout)["Version"])

    def add(self, data: bytes, *, pin: bool = True, expected: str | None = None) -> str:
        """Adds (and by default pins) `data`; returns its CID after checking it equals ours."""
        expected = expected or cid_of(data)
        # Large files take longer than one RPC round trip; allow ~10 MB/s on top.
        timeout = self.timeout + len(data) / 10_000_000
        returned = self._call(
            f"`add` of {len(data)} bytes", self._client.add_bytes, data, timeout=timeout,
            opts={"cid-version": 1, "raw-leaves": True, "cid-base": "base32",
                  "chunker": "size-262144", "pin": pin})
        if returned != expected:
            raise CidMismatchError(expected, str(returned), len(data))
        return expected

    def add_many(self, items: list[bytes], expected: list[str] | None = None, *, pin: bool = True) -> list[str]:
        """Adds (and pins) several contents in one request (faster than one by one); checks every CID."""
        if not items:
            return []
        expected = expected or [cid_of(data) for data in items]
        timeout = self.timeout + sum(map(len, items)) / 10_000_000
        files = [io.BytesIO(data) for data in items]
        result = self._call(
            f"`add` of {len(items)} items", self._client.add, *files, timeout=timeout,
            cid_version=1, raw_leaves=True, chunker="size-262144", pin=pin, opts={"cid-base": "base32"})
        returned = [str(entry["Hash"]) for entry in (result if isinstance(result, list) else [result])]
        if sorted(returned) != sorted(expected):
            missing = [cid for cid in expected if cid not in returned]
            extra = [cid for cid in returned if cid not in expected]
            size = len(items[expected.index(missing[0])]) if missing else 0
            raise CidMismatchError(missing[0] if missing else "(none)", extra[0] if extra else "(none)", size)
        return expected

    def cat(self, cid: str) -> bytes:
        """The content of `cid` from the node (js-ipfs hangs on a missing CID: the timeout ends it)."""
        return self._call(f"`cat {cid}`", self._client.cat, cid, timeout=self.timeout)

    def is_pinned(self, cid: str) -> bool:
        try:
            result = self._call(f"`pin ls {cid}`", self._client.pin.ls, cid, type="recursive",
                                opts={"cid-base": "base32"}, timeout=self.timeout)
        except IpfsNodeError as exc:
            if "not pinned" in str(exc):
                return False
            raise
        return cid in result["Keys"]


def node_at(address: str | None, timeout: float = DEFAULT_TIMEOUT) -> IpfsNode | None:
    """The node at `address` (the caller's Settings.ipfs_api, i.e. RESIDENT_IPFS_API), or None when unset."""
    address = (address or "").strip()
    return IpfsNode(address, timeout) if address else None


class PinJournal:
    """What is pinned where: (node id, cid) rows in a small SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.execute("CREATE TABLE IF NOT EXISTS pins (node TEXT NOT NULL, cid TEXT NOT NULL, "
                         "pinned_at REAL NOT NULL, PRIMARY KEY (node, cid))")
        self._db.commit()

    def pinned(self, node: str) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT cid FROM pins WHERE node = ?", (node,))}

    def record_many(self, node: str, cids: list[str]) -> None:
        now = time.time()
        self._db.executemany("INSERT OR IGNORE INTO pins VALUES (?, ?, ?)", [(node, cid, now) for cid in cids])
        self._db.commit()

    def close(self) -> None:
        self._db.close()


def default_journal_path() -> Path:
    from backend.settings import Settings

    return Settings().data_dir / "ipfs" / "pins.sqlite"


BATCH_ITEMS = 32
BATCH_BYTES = 8_000_000


def _batches(store: ContentStore, cids: list[str]):
    """(CIDs, contents) groups of at most BATCH_ITEMS items or about BATCH_BYTES (one add request each)."""
    batch: list[str] = []
    contents: list[bytes] = []
    size = 0
    for cid in cids:
        data = store.get(cid)
        if batch and (len(batch) == BATCH_ITEMS or size + len(data) > BATCH_BYTES):
            yield batch, contents
            batch, contents, size = [], [], 0
        batch.append(cid)
        contents.append(data)
        size += len(data)
    if batch:
        yield batch, contents


@dataclass
class PinReport:
    total: int
    already_pinned: int
    newly_pinned: int


def pin_all(node: IpfsNode, store: ContentStore, cids: Iterable[str], *, journal: Path | str | None = None,
            progress: Callable[[int, int], None] | None = None) -> PinReport:
    """Adds and pins every CID (content taken from `store`) on `node`; resumable.

    Content goes up in batches of up to 32 items per request; each batch is
    journaled once the node confirms it, so when the node becomes unreachable
    part way the PinIncompleteError names how many are pinned, and the same
    call later skips them and pins the rest. `progress(done, total)` is called
    after each batch.
    """
    wanted = list(dict.fromkeys(cids))
    missing = [cid for cid in wanted if not store.has(cid)]
    if missing:
        raise IpfsNodeError(f"{len(missing)} of the {len(wanted)} CIDs to pin are not in the local content store "
                            f"({store.root}), e.g. {missing[0]}; store them first")
    book = PinJournal(journal or default_journal_path())
    try:
        try:
            node_id = node.node_id
        except IpfsNodeError as exc:
            raise PinIncompleteError(0, len(wanted), str(exc)) from None
        done = book.pinned(node_id)
        already = sum(1 for cid in wanted if cid in done)
        count = already
        if progress:
            progress(count, len(wanted))
        for batch, contents in _batches(store, [cid for cid in wanted if cid not in done]):
            try:
                node.add_many(contents, batch)
            except CidMismatchError:
                raise  # not a connection problem: re-running would not help; the message says what to fix
            except IpfsNodeError as exc:
                raise PinIncompleteError(count, len(wanted), str(exc)) from None
            book.record_many(node_id, batch)
            count += len(batch)
            if progress:
                progress(count, len(wanted))
        return PinReport(total=len(wanted), already_pinned=already, newly_pinned=count - already)
    finally:
        book.close()
