"""The chain indexer: follows every registered collection's events into the `cards` table.

How it works, per poll (every `poll_interval` seconds, in a background thread):
1. Register collections from new deployment records (backend/chain/deployments.py).
2. Reorg check: the newest stored block hash must still be canonical. If not,
   walk back through the stored window (`reorg_window` recent hashes) to the
   newest block that still is (the common ancestor); with none, go back to the
   collections' deployment blocks. Rewinding deletes the events after the
   ancestor and rebuilds the affected collections' cards by replaying the
   events that remain (`card_events` is that replay log). Card rows are never
   deleted, so ids other tables hold stay valid: a card seen only in orphaned
   blocks becomes status 'orphaned' (and active again if re-mined).
3. Fetch logs with eth_getLogs over [indexed + 1, final] in chunks of
   `log_chunk_blocks` (the chain's public nodes' range limit; halved when the
   node refuses a range, back to full a minute later), decode them, fold
   them into card state, and write cards, events and the chunk's block hashes
   in one transaction. The cursor (`collections.indexed_block`) moves in that
   same transaction, so a restart resumes where it stopped. `final` is the
   node's "finalized" or "safe" block where the chain's profile has that tag
   (RESIDENT_FINALITY), else head - confirmations.

What an event does to a card is fold.py (pure); this module is the I/O around it: polling the node,
reorgs, the database writes, the lease, and the thread.

One indexer per database: app processes sharing a database each run an indexer, and only the holder of
the chain cursor's lease (backend/workers/lease.py) indexes. It renews the lease inside every write, so
a process that stalled past its lease writes nothing more; a crashed one's lease runs out and another
process takes over.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import Block, Chain
from backend.chain.indexer.fold import CARD_FIELDS, Event, decode, fold, touched_tokens
from backend.db.models_chain import Card, CardEvent, ChainCursor, Collection, IndexedBlock, ORPHANED
from backend.db.session import begin_immediate
from backend.errors import ChainError, ResidentError
from backend.chain.deployments import register_deployments
from backend.settings import Settings
from backend.workers.lease import Lease
from backend.workers.loop import Loop

log = logging.getLogger("resident.indexer")

REGISTER_EVERY_SECONDS = 2.0
SYNCED_WRITE_EVERY_SECONDS = 1.0
SELECT_BATCH = 500
LEASE_SECONDS = 15.0
MAX_BACKOFF_SECONDS = 5.0
CHUNK_REGROW_SECONDS = 60.0
FETCH_ATTEMPTS = 3  # per poll: reads that found the chain changed under them, each after a fresh fork check
HOLE_DEPTH = 64  # blocks a node may miss from its number index that are still read through their successors


class ReorgDuringFetch(ResidentError):
    """Raised when the chain changed while a range was being read; the range is retried next poll."""


class LeaseLost(ResidentError):
    """Raised when another process took over indexing (this one stalled past its lease); it stops writing."""


def _load_states(session: Session, keys: set[tuple[int, int]]) -> tuple[dict, dict]:
    """Current states and row ids of the cards in `keys`, in batched queries."""
    states, ids = {}, {}
    by_collection: dict[int, list[int]] = {}
    for collection_id, token_id in keys:
        by_collection.setdefault(collection_id, []).append(token_id)
    columns = [Card.id, Card.collection_id, Card.token_id] + [getattr(Card, f) for f in CARD_FIELDS]
    for collection_id, tokens in by_collection.items():
        for start in range(0, len(tokens), SELECT_BATCH):
            batch = tokens[start:start + SELECT_BATCH]
            for row in session.execute(select(*columns).where(Card.collection_id == collection_id,
                                                               Card.token_id.in_(batch))):
                key = (row.collection_id, row.token_id)
                ids[key] = row.id
                states[key] = {f: getattr(row, f) for f in CARD_FIELDS}
    return states, ids


def _write_states(session: Session, states: dict, ids: dict, keys: Iterable[tuple[int, int]]) -> None:
    inserts, updates = [], []
    for key in keys:
        state = states[key]
        if key in ids:
            updates.append({"id": ids[key], **state})
        else:
            inserts.append({"collection_id": key[0], "token_id": key[1], **state})
    if inserts:
        session.execute(insert(Card), inserts)
    if updates:
        session.execute(update(Card), updates)


@dataclass
class CollectionRef:
    id: int
    address: str
    indexed_block: int


@dataclass
class Fetched:
    end_block: Block
    blocks: list[Block]
    events: list[Event]
    collection_ids: list[int]


@dataclass
class PollResult:
    head: int | None = None
    final: int | None = None  # the newest block treated as final: what the index follows
    indexed: int | None = None
    events: int = 0
    reorg_to: int | None = None
    collections: int = 0
    leader: bool = True  # False: another process holds the lease and indexes
    ranges: list[tuple[int, int]] = field(default_factory=list)


class Indexer:
    """Indexes one chain (settings.chain_id) into the database; `poll()` does one round."""

    def __init__(self, settings: Settings, sessions: sessionmaker, chain: Chain | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.sessions = sessions
        self.chain = chain or Chain.of(settings, timeout=5.0)
        self.chunk = settings.log_chunk_blocks
        self._refused_at = 0.0  # when the node last refused a log range (the chunk grows back a while after)
        self.lock = threading.Lock()
        self._registered_at = 0.0
        self._synced_written_at = 0.0
        self._records_seen: tuple = ()
        self._error_recorded = False
        self.lease = Lease(sessions, key=ChainCursor.chain_id, until=ChainCursor.lease_until,
                           holder_column=ChainCursor.leader, seconds=LEASE_SECONDS, clock=clock)
        self.id = self.lease.holder
        self._lease_until = 0.0  # when the lease this indexer holds runs out (0: holds none)

    # -- one round --------------------------------------------------------
    def poll(self) -> PollResult:
        with self.lock:
            try:
                return self._poll()
            except (ChainError, ReorgDuringFetch) as exc:
                self._record_error(str(exc))
                raise

    @contextmanager
    def _write(self):
        """A short write transaction with no RPC call inside. On SQLite it holds the write lock from
        its start, so it waits its turn instead of failing on a snapshot another writer made stale."""
        with self.sessions() as session:
            begin_immediate(session)
            yield session
            session.commit()

    def _poll(self) -> PollResult:
        result = PollResult()
        if not self._claim_lease():
            result.leader = False
            return result
        if time.monotonic() - self._registered_at > REGISTER_EVERY_SECONDS:
            self._register()
        head = self.chain.head()
        result.head = head
        target = result.final = self._final(head)

        for attempt in range(FETCH_ATTEMPTS):
            ancestor = self._find_fork(head)
            if ancestor is not None:
                with self._write() as session:
                    self._check_lease(session)
                    self._rewind(session, ancestor)
                result.reorg_to = ancestor if result.reorg_to is None else min(result.reorg_to, ancestor)
            collections = self._collections()
            try:
                self._index_to(result, collections, target, head)
                break
            except ReorgDuringFetch as exc:
                # The chain moved under the read: look for the fork again now, against a fresh head, rather
                # than retrying the same range next poll (which a chain that keeps moving may refuse forever).
                if attempt == FETCH_ATTEMPTS - 1:
                    raise
                log.info("chain changed while reading (%s); checking for a fork again", exc)
                head = result.head = self.chain.head()
                target = result.final = self._final(head)
        result.collections = len(collections)

        result.indexed = min((c.indexed_block for c in collections), default=target)
        now = time.time()
        if result.ranges or result.reorg_to is not None or self._error_recorded \
                or now - self._synced_written_at > SYNCED_WRITE_EVERY_SECONDS:
            with self._write() as session:
                cursor = session.get(ChainCursor, self.settings.chain_id)
                cursor.head_block = head
                cursor.synced_at = now
                cursor.error = None
                if not collections:
                    cursor.indexed_block = max(cursor.indexed_block, target)
            self._synced_written_at = now
            self._error_recorded = False
        return result

    def _index_to(self, result: PollResult, collections: list[CollectionRef], target: int, head: int) -> None:
        """Indexes every collection up to `target`, a chunk of blocks per transaction."""
        start = min((c.indexed_block for c in collections), default=target) + 1
        while start <= target:
            end = min(start + self.chunk - 1, target)
            try:
                fetched = self._fetch(collections, start, end, head)
            except ChainError as exc:
                if end > start and ("range" in str(exc).lower() or "limit" in str(exc).lower()):
                    self.chunk = max(1, (end - start + 1) // 2)
                    self._refused_at = time.monotonic()
                    log.info("node refused %s blocks; trying %s", end - start + 1, self.chunk)
                    continue
                raise
            with self._write() as session:
                self._apply(session, collections, fetched)
            result.events += len(fetched.events)
            result.ranges.append((start, end))
            start = end + 1
            if self.chunk < self.settings.log_chunk_blocks \
                    and time.monotonic() - self._refused_at > CHUNK_REGROW_SECONDS:
                # A refusal may have been the provider's moment (a rate limit worded as a range error).
                self.chunk = self.settings.log_chunk_blocks

    def _final(self, head: int) -> int:
        """The newest block this indexer treats as final: the node's `finality` block (never above the head
        read this poll), or `confirmations` blocks behind the head on a chain without the tag."""
        if self.settings.finality == "none":
            return head - self.settings.confirmations
        block = self.chain.block(self.settings.finality)
        if block is None:  # a node that knows the tag but has no such block yet (a young chain)
            return -1
        return min(block.number, head)

    def _collections(self) -> list[CollectionRef]:
        with self.sessions() as session:
            return [CollectionRef(c.id, c.address, c.indexed_block) for c in session.execute(
                select(Collection.id, Collection.address, Collection.indexed_block)
                .where(Collection.chain_id == self.settings.chain_id).order_by(Collection.id))]

    def _register(self) -> None:
        """Registers collections of new or changed deployment records (a write only when there are some)."""
        directory = self.settings.deployments_dir
        seen = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.json"))) \
            if directory.is_dir() else ()
        if seen != self._records_seen:
            with self._write() as session:
                register_deployments(session, directory, self.settings.chain_id, self.chain)
            self._records_seen = seen
        self._registered_at = time.monotonic()

    # -- the lease: one indexing process per database ----------------------
    def _claim_lease(self) -> bool:
        """Whether this indexer holds (now or newly) the lease of its chain; app processes share a database."""
        chain_id = self.settings.chain_id
        now = self.lease.now()
        if self._lease_until - now > self.lease.seconds / 2:
            return True  # held, and far from expiring: no write needed this poll
        self.lease.ensure_row(chain_id, lambda: ChainCursor(chain_id=chain_id, indexed_block=-1))
        claimed = self.lease.claim(chain_id, now=now)
        self._lease_until = now + self.lease.seconds if claimed else 0.0
        return claimed

    def _check_lease(self, session: Session) -> ChainCursor:
        """The cursor, after renewing the lease inside this write: if another indexer took it over, nothing
        of this write may land (LeaseLost)."""
        now = self.lease.now()
        renewed = self.lease.renew(self.settings.chain_id, now=now, session=session)
        cursor = session.get(ChainCursor, self.settings.chain_id)
        if not renewed:
            self._lease_until = 0.0
            raise LeaseLost(f"indexer {self.id} lost its lease to {cursor.leader if cursor else None}")
        self._lease_until = now + self.lease.seconds
        return cursor

    def release(self) -> None:
        """Gives the lease up (on shutdown) so another process can take over at once."""
        self._lease_until = 0.0
        self.lease.release(self.settings.chain_id)

    def _record_error(self, message: str) -> None:
        try:
            with self._write() as session:
                cursor = session.get(ChainCursor, self.settings.chain_id)
                if cursor is None:
                    cursor = ChainCursor(chain_id=self.settings.chain_id, indexed_block=-1)
                    session.add(cursor)
                cursor.error = message[:500]
            self._error_recorded = True
        except Exception:  # the database may be what failed; the log has it
            log.exception("could not record the indexer error")

    # -- indexing a range -------------------------------------------------
    def _block(self, number: int, head: int, depth: int = 0) -> Block | None:
        """The canonical block `number`, or None if the chain has none (now) at that height.

        A node may serve later blocks while missing this one from its number index: anvil does for a few
        seconds after anvil_reorg / anvil_rollback (the rehearsal saw head 87 with block 86 unknown). The block
        is then its successor's parent, read by hash; asking again by number would fail the same way."""
        block = self.chain.block(number)
        if block is not None or number >= head or depth >= HOLE_DEPTH:
            return block
        child = self._block(number + 1, head, depth + 1)
        if child is None or not child.parent_hash:
            return None
        parent = self.chain.block_by_hash(child.parent_hash)
        return parent if parent is not None and parent.number == number else None

    def _fetch(self, collections: list[CollectionRef], start: int, end: int, head: int) -> Fetched:
        """Reads and decodes the logs of [start, end] (RPC only), checking they all come from one fork."""
        active = [c for c in collections if c.indexed_block < end]
        end_block = self._block(end, head)
        if end_block is None:
            raise ReorgDuringFetch(f"block {end} vanished")
        by_address = {c.address.lower(): c for c in active}
        raw_logs = self.chain.logs([c.address for c in active], start, end) if active else []
        blocks: dict[int, Block] = {end: end_block}
        events: list[Event] = []
        for entry in raw_logs:
            if entry.get("removed"):
                continue
            collection = by_address.get(entry["address"].lower())
            number = int(entry["blockNumber"], 16)
            if collection is None or number <= collection.indexed_block:
                continue
            decoded = decode(entry)
            if decoded is None:
                continue
            block = blocks.get(number)
            if block is None:
                block = blocks[number] = self._block(number, head)
                if block is None:
                    raise ReorgDuringFetch(f"block {number} vanished")
            if entry["blockHash"].lower() != block.hash:
                raise ReorgDuringFetch(f"log of block {number} is from another fork")
            kind, token_id, args = decoded
            events.append(Event(collection.id, number, int(entry["logIndex"], 16), block.timestamp,
                                entry["transactionHash"].lower(), kind, token_id, args))
        again = self._block(end, head)
        if again is None or again.hash != end_block.hash:
            raise ReorgDuringFetch(f"block {end} changed while reading")
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return Fetched(end_block, list(blocks.values()), events, [c.id for c in active])

    def _apply(self, session: Session, collections: list[CollectionRef], fetched: Fetched) -> None:
        """Writes a fetched range: card states, the events, block hashes and the cursor, in one transaction."""
        cursor = self._check_lease(session)
        end = fetched.end_block.number
        if fetched.events:
            states, ids = _load_states(session, touched_tokens(fetched.events))
            changed = fold(states, fetched.events)
            _write_states(session, states, ids, changed)
            session.execute(insert(CardEvent), [e.row() for e in fetched.events])
        self._store_blocks(session, fetched.blocks)
        if fetched.collection_ids:
            session.execute(update(Collection).where(Collection.id.in_(fetched.collection_ids))
                            .values(indexed_block=end).execution_options(synchronize_session=False))
        for collection in collections:
            if collection.id in fetched.collection_ids:
                collection.indexed_block = end
        cursor.indexed_block = min(c.indexed_block for c in collections)
        cursor.indexed_block_time = fetched.end_block.timestamp
        cursor.head_block = max(cursor.head_block or 0, end)

    def _store_blocks(self, session: Session, blocks: Iterable[Block]) -> None:
        chain_id = self.settings.chain_id
        blocks = list(blocks)
        numbers = [b.number for b in blocks]
        session.execute(delete(IndexedBlock).where(IndexedBlock.chain_id == chain_id,
                                                   IndexedBlock.number.in_(numbers)))
        session.execute(insert(IndexedBlock), [{"chain_id": chain_id, "number": b.number, "hash": b.hash,
                                                "timestamp": b.timestamp} for b in blocks])
        oldest_kept = session.scalar(select(IndexedBlock.number).where(IndexedBlock.chain_id == chain_id)
                                     .order_by(IndexedBlock.number.desc())
                                     .offset(self.settings.reorg_window - 1).limit(1))
        if oldest_kept is not None:
            session.execute(delete(IndexedBlock).where(IndexedBlock.chain_id == chain_id,
                                                       IndexedBlock.number < oldest_kept))

    # -- reorgs -----------------------------------------------------------
    def _find_fork(self, head: int) -> int | None:
        """None if the stored blocks are canonical; else the newest stored block that is (-1: none is)."""
        with self.sessions() as session:
            stored = list(session.execute(select(IndexedBlock.number, IndexedBlock.hash)
                                          .where(IndexedBlock.chain_id == self.settings.chain_id)
                                          .order_by(IndexedBlock.number.desc())))
        if not stored:
            return None
        for i, (number, stored_hash) in enumerate(stored):
            block = self._block(number, head) if number <= head else None
            if block is not None and block.hash == stored_hash:
                return None if i == 0 else number
        return -1

    def _rewind(self, session: Session, ancestor: int) -> None:
        chain_id = self.settings.chain_id
        collections = list(session.scalars(select(Collection).where(Collection.chain_id == chain_id)))
        ids = [c.id for c in collections]
        log.warning("reorg on chain %s: rewinding to block %s", chain_id, ancestor)
        affected = set(session.scalars(select(CardEvent.collection_id).distinct()
                                       .where(CardEvent.collection_id.in_(ids), CardEvent.block_number > ancestor)))
        session.execute(delete(CardEvent).where(CardEvent.collection_id.in_(ids), CardEvent.block_number > ancestor))
        session.execute(delete(IndexedBlock).where(IndexedBlock.chain_id == chain_id, IndexedBlock.number > ancestor))
        for collection in collections:
            collection.indexed_block = max(min(collection.indexed_block, ancestor), collection.deploy_block - 1)
        for collection_id in sorted(affected):
            self._replay(session, collection_id, ancestor)
        cursor = session.get(ChainCursor, chain_id)
        if cursor is not None:
            cursor.indexed_block = min((c.indexed_block for c in collections), default=ancestor)
        session.flush()

    def _replay(self, session: Session, collection_id: int, ancestor: int) -> None:
        """Rebuilds a collection's cards from its remaining events (all of them are canonical)."""
        events = [Event(r.collection_id, r.block_number, r.log_index, r.block_time, r.tx_hash, r.kind, r.token_id,
                        r.args)
                  for r in session.scalars(select(CardEvent).where(CardEvent.collection_id == collection_id)
                                           .order_by(CardEvent.block_number, CardEvent.log_index))]
        states: dict = {}
        fold(states, events)
        ids = {(collection_id, token_id): card_id for card_id, token_id in
               session.execute(select(Card.id, Card.token_id).where(Card.collection_id == collection_id))}
        _write_states(session, states, ids, states.keys())
        gone = [card_id for key, card_id in ids.items() if key not in states]
        for start in range(0, len(gone), SELECT_BATCH):
            session.execute(update(Card).where(Card.id.in_(gone[start:start + SELECT_BATCH]))
                            .values(status=ORPHANED, updated_block=ancestor))

    # -- catching up ------------------------------------------------------
    def catch_up(self, timeout: float = 30.0) -> PollResult:
        """Polls until the index reaches the final block (see `_final`); for tests and tools."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.poll()
            if not result.leader:
                raise RuntimeError("another process holds the indexer lease of this chain")
            if result.indexed is not None and result.final is not None and result.indexed >= result.final:
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(f"index at {result.indexed}, head {result.head}")


class IndexerThread:
    """Runs an Indexer in the worker loop, every `poll_interval` seconds, until stopped; it gives its lease
    up when stopped."""

    def __init__(self, settings: Settings, sessions: sessionmaker, clock: Callable[[], float] = time.time) -> None:
        self.indexer = Indexer(settings, sessions, clock=clock)
        self.loop = Loop("resident-indexer", self._pass, settings.poll_interval, max_backoff=MAX_BACKOFF_SECONDS,
                         on_error=self._failed)
        self._started = False

    @property
    def last_error(self) -> str | None:
        return self.loop.last_error

    def start(self) -> None:
        self._started = True
        self.loop.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.loop.stop(timeout)
        if self._started:
            self._started = False
            try:
                self.indexer.release()
            except Exception:  # shutting down with the database gone: the lease simply expires
                log.warning("could not release the indexer lease", exc_info=True)

    def catch_up(self, timeout: float = 30.0) -> PollResult:
        return self.indexer.catch_up(timeout)

    def take_over(self) -> None:
        """Frees the chain cursor's lease whoever holds it: called by a newly elected leader (the advisory lock
        says the previous holder is gone), so indexing resumes now instead of when the lease runs out. A
        holder that is somehow still alive finds its lease taken at its next write (LeaseLost)."""
        with self.indexer.lease.transaction() as session:
            session.execute(update(ChainCursor).where(ChainCursor.chain_id == self.indexer.settings.chain_id)
                            .values(lease_until=0, leader=None).execution_options(synchronize_session=False))

    def _pass(self) -> None:
        self.indexer.poll()

    def _failed(self, exc: Exception) -> None:
        """Keeps following the chain whatever one round hit; /health shows the cursor's error."""
        if not isinstance(exc, (ChainError, ReorgDuringFetch, LeaseLost)):  # those are recorded or expected
            log.exception("indexer poll failed", exc_info=exc)
            self.indexer._record_error(self.loop.last_error)
