"""Airdrop: issue cards to every wallet of a CSV list, in batches, resumably.

One implementation for both ways in: the command line (scripts/airdrop.py) and the staff
console's airdrop jobs (backend/campaigns/airdrop_jobs.py, run by the backend's worker thread).

The list is read with backend.campaigns.csvfile (UTF-8 or Shift_JIS, Japanese
headers; a `tier` / `ランク` column sets a row's tier, `--tier` the others').
A list with any bad row sends nothing and lists every problem.

Batches: cards go out with ResidentCard.issueBatch, as many per transaction
as fit in GAS_FRACTION of the block gas limit, judged from a gas estimate of
the list's first wallets plus ESTIMATE_MARGIN; rows of one tier share batches.

Through the transaction outbox (backend/chain/outbox, when the issuer has one: RESIDENT_OUTBOX_ENABLED),
each batch is one outbox transaction whose idempotency key (the console's job id, or the list's digest, and
the batch's index) is in the journal before it is enqueued: a retried or resumed airdrop finds the batch's
transaction instead of sending another. A batch is done only once its transaction is final (the chain's
`safe` block, or the profile's confirmations); one a reorganisation took out of the chain is sent again by
the outbox's manager (the same signed transaction, the same nonce), so it is neither lost nor issued twice.
Without an outbox (a node-held key, the command line) the airdrop sends itself, as below.

Resuming: a journal, <data dir>/airdrops/<chain id>/<SYMBOL>/<sha256 of the
list>.json, holds the plan (every batch and its wallets) and, per batch, the
block and nonce of its first try, then the transaction hash before the script
waits for it, then the outcome (fsync'd at each step). Run the same command
again after a crash, a kill or a failed batch and it finishes the job: a
batch still pending in the node is waited for; a batch counts as issued when
the chain holds a successful issueBatch from the issuer with exactly its call
data since its first try (so a lost or replaced hash cannot make it go out
twice); any other batch is sent (again).

Who is skipped: the journal is the record of what this list issued; the chain
is the record of who holds a card. In a collection that allows one card per
wallet (every soulbound demo collection), a wallet that already holds a card
— from this list or any other way — is skipped and reported, never an error,
since it could not receive a second card anyway. Where a wallet may hold
more than one card, holdings cannot tell an earlier airdrop from a purchase,
so only the journal counts: a wallet whose holdings leave no room under the
cap is refused before anything is sent. Keep journals; deleting one and
running again would issue that list a second time in such collections.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from backend.campaigns.csvfile import CsvFileError, RecipientRow, RowProblem
from backend.chain import networks
from backend.chain.client import Chain, Contract, ContractReverted, Receipt, ReceiptTimeout
from backend.chain.events import card_events
from backend.chain.issuer import Issuer
from backend.errors import ChainError, ResidentError
from backend.messages import Texts, texts

JOURNAL_VERSION = 1
# A batch may use this share of the block gas limit: a full block would wait
# for an empty one, and the estimate of a batch is not its exact cost.
GAS_FRACTION = 0.90
# Safety margin on the per-card estimate (fresh wallets cost more than ones that held a card).
ESTIMATE_MARGIN = 1.05
# Wallets in the gas estimate that sizes the batches.
SAMPLE_SIZE = 50
# Gas limit of a transaction over its own estimate.
TX_GAS_MARGIN = 1.10
RECEIPT_TIMEOUT = 600
DAY = 86_400
# balanceOf calls per JSON-RPC batch request when checking holdings.
BALANCE_CHUNK = 500

_BALANCE_OF = "0x70a08231"  # balanceOf(address)


def _native_token(chain_id: int) -> str:
    """The symbol fees are paid in, from the chain's profile (backend/chain/networks.py)."""
    known = networks.known(chain_id)
    return known.symbol if known else "(this chain's currency)"


# The journal's reason for a skipped wallet (kept in English in the journal file) → its message code.
SKIP_REASONS = {"already holds a card": "airdrop_skipped_holder"}


class AirdropError(ResidentError):
    """Raised when an airdrop cannot start or a batch fails; what was sent stays in the journal."""


# ----------------------------------------------------------------------
# Plan and journal
# ----------------------------------------------------------------------


@dataclass
class Batch:
    """One issueBatch transaction: its wallets and where it stands.

    status: planned → sending (nonce taken) → sent (tx hash known) → done | failed;
    a failed or lost batch goes back to planned on the next run. Through the outbox: planned → sent (its
    outbox `key` recorded, then enqueued) → mined (a receipt, not yet final) → done | failed; `retries` counts
    the keys a failed batch used before.
    """

    index: int
    tier: int
    addresses: list[str]
    lines: list[int]
    status: str = "planned"
    nonce: int | None = None
    from_block: int | None = None
    tx: str | None = None
    block: int | None = None
    gas_used: int | None = None
    first_token_id: int | None = None
    key: str | None = None
    retries: int = 0

    @property
    def finished(self) -> bool:
        return self.status in ("done", "skipped")


@dataclass
class Journal:
    """The airdrop's plan and progress, saved after every step (atomically)."""

    path: Path
    chain_id: int
    contract: str
    symbol: str
    list_sha256: str
    sender: str
    default_tier: int
    validity_days: int | None
    expires_at: int
    batches: list[Batch]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    version: int = JOURNAL_VERSION

    def save(self) -> None:
        data = asdict(self)
        data["path"] = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())  # the hash must be on disk before the wait: a kill may follow
        os.replace(tmp, self.path)

    @classmethod
    def load(cls, path: Path) -> Journal:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != JOURNAL_VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            data["path"] = path
            data["batches"] = [Batch(**b) for b in data["batches"]]
            return cls(**data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise AirdropError(f"{path}: the airdrop journal cannot be read ({exc}). It records what was already "
                               "issued: restore it from a backup rather than deleting it.") from None

    @property
    def issued(self) -> int:
        return sum(len(b.addresses) for b in self.batches if b.status == "done")

    @property
    def total(self) -> int:
        return sum(len(b.addresses) for b in self.batches if b.status != "skipped")


def list_digest(rows: Iterable[RecipientRow]) -> str:
    """sha256 of what a CSV list says: its wallets and tiers, in order.

    Not of the file's bytes: the same list saved again from Excel in another
    encoding, or with its notes edited, is the same airdrop and resumes it.
    """
    text = "\n".join(f"{r.address},{'' if r.tier is None else r.tier}" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def journal_path(chain_id: int, symbol: str, digest: str, data_dir: Path) -> Path:
    """Where the journal of airdropping list `digest` to collection `symbol` lives in the data directory: the
    command line and the console share it, so one list is one airdrop either way."""
    return Path(data_dir) / "airdrops" / str(chain_id) / symbol / f"{digest}.json"


def plan_batches(rows: Sequence[RecipientRow], default_tier: int, batch_size: int) -> list[Batch]:
    """Batches of at most `batch_size` wallets, even in size; one tier per batch, tiers in order of first appearance."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    groups: dict[int, list[RecipientRow]] = {}
    for row in rows:
        groups.setdefault(default_tier if row.tier is None else row.tier, []).append(row)
    batches = []
    for tier, members in groups.items():
        # Even batches (1,000 at 526 → 500 + 500, not 526 + 474): the same
        # number of transactions, and none left with a handful of cards.
        count = -(-len(members) // batch_size)
        size, extra = divmod(len(members), count)
        start = 0
        for i in range(count):
            chunk = members[start:start + size + (i < extra)]
            start += len(chunk)
            batches.append(Batch(len(batches), tier, [r.address for r in chunk], [r.line for r in chunk]))
    return batches


def batch_size_for(per_card_gas: float, block_gas_limit: int, gas_fraction: float = GAS_FRACTION) -> int:
    """Cards per batch so that a batch stays under `gas_fraction` of the block gas limit."""
    return max(1, int(gas_fraction * block_gas_limit // (per_card_gas * ESTIMATE_MARGIN)))


# ----------------------------------------------------------------------
# What an airdrop asks the chain (backend/chain: the client reads, the issuer signs and sends)
# ----------------------------------------------------------------------


def _balances(card: Contract, addresses: Sequence[str]) -> list[int]:
    """balanceOf of each address, in JSON-RPC batches (a 10,000-wallet list is checked in a second)."""
    datas = [_BALANCE_OF + a[2:].lower().rjust(64, "0") for a in addresses]
    return [int(answer, 16) for answer in card.chain.call_many(card.address, datas, BALANCE_CHUNK)]


def _issue_batch(card: Contract, addresses: Sequence[str], tier: int, expires_at: int):
    return card.functions.issueBatch(list(addresses), tier, expires_at)


def _estimate(issuer: Issuer, card: Contract, addresses: Sequence[str], tier: int, expires_at: int) -> int:
    call = _issue_batch(card, addresses, tier, expires_at)
    try:
        return card.chain.estimate_gas({"from": issuer.address, "to": card.address, "data": call.calldata},
                                       card.abi, "issueBatch")
    except ContractReverted as exc:
        raise AirdropError(f"the collection refuses this batch: {exc.revert}") from None


def _send(issuer: Issuer, card: Contract, batch: Batch, expires_at: int, gas: int, nonce: int,
          before_broadcast: Callable[[str | None], None]) -> str:
    """Sends batch's issueBatch with `nonce`; before_broadcast(tx hash, or None for a node-held key) first."""
    tx = _issue_batch(card, batch.addresses, batch.tier, expires_at).build_transaction(
        {"from": issuer.address, "nonce": nonce, "gas": gas, "chainId": issuer.chain_id})
    return issuer.broadcast(tx, before_broadcast, function="issueBatch")


def _find_batch(issuer: Issuer, card: Contract, batch: Batch, expires_at: int) -> Receipt | None:
    """The receipt of a mined issueBatch of exactly `batch`, sent by us since batch.from_block."""
    chain = card.chain
    calldata = _issue_batch(card, batch.addresses, batch.tier, expires_at).calldata.lower()
    topic = card_events()["CardsIssued"].topic
    sender = issuer.address.lower()
    for log in chain.logs([card.address], batch.from_block, "latest", [topic]):
        tx = chain.transaction(log["transactionHash"])
        if tx and tx["from"].lower() == sender and tx["input"].lower() == calldata:
            return chain.receipt(log["transactionHash"])
    return None


def _first_token_id(card: Contract, receipt: Receipt) -> int | None:
    issued = card_events().decode_all("CardsIssued", receipt.logs, card.address)
    return issued[0]["firstTokenId"] if issued else None


# ----------------------------------------------------------------------
# The airdrop
# ----------------------------------------------------------------------


@dataclass(frozen=True)
class DryRun:
    """What an airdrop would do: nothing was sent."""

    cards: int
    batches: int
    largest_batch: int
    skipped: int
    total_gas: int
    gas_price_wei: int
    cost_wei: int
    token: str
    # Who is skipped and why, as the journal says ({line, address, reason}): staff check these by name
    # before anything is sent, not only their count.
    skipped_wallets: tuple[dict[str, Any], ...] = ()

    def skipped_texts(self) -> list[Texts]:
        """One text per skipped wallet, in both languages: its line of the list, its address and why."""
        return [texts(SKIP_REASONS.get(w["reason"], "airdrop_skipped_other"), line=w["line"], address=w["address"],
                      reason=w["reason"]) for w in self.skipped_wallets]

    @property
    def cost(self) -> Decimal:
        """The estimated cost in the chain's currency (ETH, POL, ...)."""
        return Decimal(self.cost_wei) / Decimal(10**18)

    def summary(self) -> Texts:
        return texts("airdrop_dry_run", cards=f"{self.cards:,}", batches=self.batches,
                     largest=f"{self.largest_batch:,}", skipped=self.skipped, gas=f"{self.total_gas:,}",
                     cost=f"{self.cost:f}", token=self.token, gwei=f"{self.gas_price_wei / 1e9:g}")

    def __str__(self) -> str:
        said = self.summary()
        lines = [said.en, said.ja] + [f"  {one.en} / {one.ja}" for one in self.skipped_texts()]
        return "\n".join(lines)


@dataclass(frozen=True)
class AirdropResult:
    """What an airdrop did, over all its runs (the journal's totals)."""

    journal: Path
    issued: int
    skipped: list[dict[str, Any]]
    batches: list[Batch]
    sent_now: int
    seconds: float

    @property
    def gas_used(self) -> int:
        return sum(b.gas_used or 0 for b in self.batches)


def airdrop(
    issuer: Issuer,
    card: Contract,
    rows: Sequence[RecipientRow],
    *,
    data_dir: Path | None = None,
    journal: Path | None = None,
    tier: int = 0,
    validity_days: int | None = None,
    dry_run: bool = False,
    gas_fraction: float = GAS_FRACTION,
    max_batch_size: int | None = None,
    progress: bool = True,
    observer: Callable[[str, Batch], None] | None = None,
    receipt_timeout: float = RECEIPT_TIMEOUT,
    key_prefix: str | None = None,
    municipality_id: int | None = None,
) -> AirdropResult | DryRun:
    """Issues a card to every row's wallet with `card`.issueBatch, sent by `issuer`, resumably.

    card: the ResidentCard (backend.chain.deployments.contract_for its record); issuer: who signs
    (backend/chain/issuer.py; its nonce lock is held while a batch takes its nonce and is broadcast, so
    another sender of the same key in this process never takes the same nonce).
    tier: the tier of rows without one; validity_days: cards expire that many days after the airdrop
    starts (None = never). journal: defaults to journal_path(chain, symbol, list_digest(rows), data_dir).
    observer(stage, batch) is called with "sent" and "done"; an exception it raises stops the airdrop
    there (resumable). Running again with the same list resumes.
    key_prefix: the start of each batch's outbox key (the console: its job); default: the list's journal.
    """
    if journal is None and data_dir is None:
        raise ValueError("airdrop needs the journal's path or the data directory to keep it in")
    symbol = card.functions.symbol().call()
    path = journal or journal_path(issuer.chain_id, symbol, list_digest(rows), data_dir)
    started = time.monotonic()

    if path.exists():
        state = Journal.load(path)
        if all(b.finished for b in state.batches):  # nothing left to do, whatever the options say now
            return _finished(state, dry_run, issuer, card, started)
        _check_same_airdrop(state, issuer, card, tier, validity_days)
        # The outbox follows what it sent itself; the chain tells what an earlier run without it sent.
        _recover(state, issuer, card, receipt_timeout, skip_outbox_batches=_outbox_of(issuer) is not None)
    else:
        state = _new_journal(path, issuer, card, symbol, rows, tier, validity_days, gas_fraction, max_batch_size,
                             dry_run)

    if dry_run:
        return _dry_run(state, issuer, card)

    if _outbox_of(issuer) is not None:
        prefix = key_prefix or f"airdrop:{state.chain_id}:{state.contract}:{state.list_sha256}"
        sent_now = _send_all_outbox(state, issuer, card, progress, observer, receipt_timeout, prefix,
                                    municipality_id)
    else:
        sent_now = _send_all(state, issuer, card, progress, observer, receipt_timeout)
    return AirdropResult(path, state.issued, state.skipped, state.batches, sent_now, time.monotonic() - started)


def preview(issuer: Issuer, card: Contract, rows: Sequence[RecipientRow], *, journal: Path, tier: int = 0,
            validity_days: int | None = None, max_batch_size: int | None = None) -> DryRun:
    """A dry run that only reads: the console's, while a worker may be sending the same list. An existing
    journal is read as it is (no recovery, which would write it); otherwise the list is planned afresh and
    nothing is saved. Raises as airdrop() does (AirdropError, CsvFileError)."""
    if journal.exists():
        return _dry_run(Journal.load(journal), issuer, card)
    symbol = card.functions.symbol().call()
    state = _new_journal(journal, issuer, card, symbol, rows, tier, validity_days, GAS_FRACTION, max_batch_size,
                         dry_run=True)
    return _dry_run(state, issuer, card)


def _finished(state: Journal, dry_run: bool, issuer: Issuer, card: Contract, started: float) -> AirdropResult | DryRun:
    if dry_run:
        return _dry_run(state, issuer, card)
    return AirdropResult(state.path, state.issued, state.skipped, state.batches, 0, time.monotonic() - started)


def _check_same_airdrop(state: Journal, issuer: Issuer, card: Contract, tier: int, validity_days: int | None) -> None:
    differences = []
    if state.contract != card.address:
        differences.append(f"collection {state.contract}")
    if state.sender != issuer.address:
        differences.append(f"issuer account {state.sender}")
    if state.default_tier != tier:
        differences.append(f"--tier {state.default_tier}")
    if state.validity_days != validity_days:
        differences.append(f"--validity-days {state.validity_days}" if state.validity_days else "no --validity-days")
    if differences:
        raise AirdropError(f"{state.path}: this list was already (partly) airdropped with "
                           f"{', '.join(differences)}. Run again with the same settings to finish it; a second "
                           "airdrop of the same list needs a different file.")


def _new_journal(path: Path, issuer: Issuer, card: Contract, symbol: str, rows: Sequence[RecipientRow], tier: int,
                 validity_days: int | None, gas_fraction: float, max_batch_size: int | None, dry_run: bool) -> Journal:
    """Checks the list against the collection and plans its batches (saved unless a dry run)."""
    if not rows:
        raise AirdropError("the list has no wallets")
    if max_batch_size is not None and max_batch_size < 1:
        raise AirdropError(f"--batch-size must be at least 1 (got {max_batch_size})")
    if validity_days is not None and validity_days < 1:
        raise AirdropError(f"--validity-days must be at least 1 (got {validity_days}); leave it out for no expiry")
    functions = card.functions
    if functions.paused().call():
        raise AirdropError(f"the collection {symbol} is paused: unpause it before the airdrop")
    if not functions.hasRole(functions.ISSUER_ROLE().call(), issuer.address).call():
        raise AirdropError(f"{issuer.address} may not issue cards of {symbol}: "
                           "grant it ISSUER_ROLE or use the issuer's key")
    max_tier = functions.maxTier().call()
    if not 0 <= tier <= max_tier:
        raise AirdropError(f"--tier {tier} is not a tier of {symbol} (0 to {max_tier})")

    problems = [
        RowProblem.of(r.line, "tier", "airdrop_tier_too_high", tier=r.tier, max_tier=max_tier)
        for r in rows if r.tier is not None and r.tier > max_tier
    ]
    cap = functions.maxCardsPerWallet().call()
    balances = _balances(card, [r.address for r in rows])
    skipped, to_issue = [], []
    for row, held in zip(rows, balances):
        if held and cap == 1:
            skipped.append({"line": row.line, "address": row.address, "reason": "already holds a card"})
        elif held + 1 > cap:
            problems.append(RowProblem.of(row.line, "address", "airdrop_wallet_full", address=row.address, held=held,
                                          symbol=symbol, cap=cap))
        else:
            to_issue.append(row)
    if problems:
        raise CsvFileError(sorted(problems, key=lambda p: p.line), "airdrop list")

    latest = card.chain.latest()
    expires_at = 0 if validity_days is None else latest.timestamp + validity_days * DAY
    batches: list[Batch] = []
    if to_issue:
        sample = [r.address for r in to_issue[:SAMPLE_SIZE]]
        per_card = _estimate(issuer, card, sample, tier, expires_at) / len(sample)
        size = batch_size_for(per_card, latest.gas_limit, gas_fraction)
        if max_batch_size:
            size = min(size, max_batch_size)
        batches = plan_batches(to_issue, tier, size)
    state = Journal(path, issuer.chain_id, card.address, symbol, path.stem, issuer.address, tier, validity_days,
                    expires_at, batches, skipped)
    if not dry_run:
        state.save()
    return state


def _recover(state: Journal, issuer: Issuer, card: Contract, timeout: float, *,
             skip_outbox_batches: bool = False) -> None:
    """Settles batches a previous run sent or may have sent, from what the chain says happened.

    A batch counts as issued when the chain holds a successful issueBatch from
    the issuer with exactly this batch's call data, mined since the batch was
    first tried: whatever hash or nonce the journal kept (lost, replaced, or
    never learnt because the kill came first), the same wallets are never sent twice.
    """
    for batch in state.batches:
        if batch.finished or batch.from_block is None or (skip_outbox_batches and batch.key):
            continue  # done, never tried, or the outbox's (_send_all_outbox finds its transaction by key)
        _wait_if_in_flight(batch, issuer, card.chain, timeout)
        receipt = _find_batch(issuer, card, batch, state.expires_at)
        if receipt is None:
            batch.status = "planned"  # failed, dropped or never broadcast: send it (again)
        else:
            _settle(batch, receipt, card)
        state.save()


def _wait_if_in_flight(batch: Batch, issuer: Issuer, chain: Chain, timeout: float) -> None:
    """Waits for the batch's transaction if the node still holds it unmined."""
    deadline = time.monotonic() + timeout
    if batch.tx and chain.receipt(batch.tx) is None and chain.transaction(batch.tx) is not None:
        try:
            chain.wait_for_receipt(batch.tx, timeout)
            return
        except ReceiptTimeout:
            pass
    elif batch.status == "sending" and batch.nonce is not None:
        # Killed between taking the nonce and learning the hash (node-held keys):
        # a pending transaction with that nonce may be this batch.
        while chain.nonce(issuer.address, "latest") <= batch.nonce < chain.nonce(issuer.address, "pending"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        else:
            return
    else:
        return
    raise AirdropError(f"batch {batch.index}: its transaction (nonce {batch.nonce}) is still pending after "
                       f"{timeout:.0f} s; run the same command again later to finish")


def _settle(batch: Batch, receipt: Receipt, card: Contract) -> None:
    batch.tx = receipt.tx_hash
    batch.block = receipt.block_number
    batch.gas_used = receipt.gas_used
    if receipt.status == 1:
        batch.status = "done"
        batch.first_token_id = _first_token_id(card, receipt)
    else:
        batch.status = "failed"


def _refresh_holders(state: Journal, batch: Batch, card: Contract, cap: int) -> None:
    """In one-card collections, drops wallets that got a card since the plan was made."""
    if cap != 1:
        return
    keep_addresses, keep_lines = [], []
    for address, line, held in zip(batch.addresses, batch.lines, _balances(card, batch.addresses)):
        if held:
            state.skipped.append({"line": line, "address": address, "reason": "already holds a card"})
        else:
            keep_addresses.append(address)
            keep_lines.append(line)
    batch.addresses, batch.lines = keep_addresses, keep_lines
    if not batch.addresses:
        batch.status = "skipped"


def _send_all(state: Journal, issuer: Issuer, card: Contract, progress: bool,
              observer: Callable[[str, Batch], None] | None, timeout: float) -> int:
    from tqdm import tqdm

    chain = card.chain
    cap = card.functions.maxCardsPerWallet().call()
    sent_now = 0
    with tqdm(total=state.total, initial=state.issued, unit="card", file=sys.stderr, disable=not progress,
              desc=f"Airdrop {state.symbol}") as bar:
        for batch in state.batches:
            if batch.finished:
                continue
            _refresh_holders(state, batch, card, cap)
            if batch.finished:
                state.save()
                continue
            gas = _estimate(issuer, card, batch.addresses, batch.tier, state.expires_at)
            gas_limit = min(int(gas * TX_GAS_MARGIN), chain.latest().gas_limit)

            def before_broadcast(tx_hash: str | None, batch: Batch = batch) -> None:
                batch.status = "sent" if tx_hash else "sending"
                batch.tx = tx_hash
                state.save()

            with issuer.nonce_lock:
                batch.nonce = chain.nonce(issuer.address, "pending")
                if batch.from_block is None:  # the first try: recovery searches the chain from here
                    batch.from_block = chain.latest().number
                batch.tx = _send(issuer, card, batch, state.expires_at, gas_limit, batch.nonce, before_broadcast)
            batch.status = "sent"
            state.save()
            sent_now += 1
            if observer:
                observer("sent", batch)
            try:
                receipt = chain.wait_for_receipt(batch.tx, timeout)
            except ReceiptTimeout:
                raise AirdropError(f"batch {batch.index} ({batch.tx}) is not mined after {timeout:.0f} s; "
                                   "run the same command again later to finish") from None
            _settle(batch, receipt, card)
            state.save()
            if batch.status == "failed":
                raise AirdropError(f"batch {batch.index} ({batch.tx}) reverted; nothing of it was issued. "
                                   "Run the same command again to retry it.")
            bar.update(len(batch.addresses))
            if observer:
                observer("done", batch)
    return sent_now


def _outbox_of(issuer: Issuer):
    """The issuer's transaction outbox, None when it sends itself (no outbox, or a node-held key)."""
    return issuer.outbox if getattr(issuer, "outbox", None) is not None and issuer.signer is not None else None


def _send_all_outbox(state: Journal, issuer: Issuer, card: Contract, progress: bool,
                     observer: Callable[[str, Batch], None] | None, timeout: float, prefix: str,
                     municipality_id: int | None) -> int:
    """Each unfinished batch as one outbox transaction, in order: its key saved, enqueued (or found again by
    its key), waited for until mined (batches final by then are done); then the rest waited for until final."""
    from tqdm import tqdm

    from backend.chain.outbox import OutboxFailed

    outbox = _outbox_of(issuer)
    chain = card.chain
    cap = card.functions.maxCardsPerWallet().call()
    sent_now = 0
    with tqdm(total=state.total, initial=state.issued, unit="card", file=sys.stderr, disable=not progress,
              desc=f"Airdrop {state.symbol}") as bar:
        def settle(batch: Batch, row) -> None:
            batch.tx, batch.block, batch.gas_used = row.tx_hash, row.block_number, row.gas_used
            logs = json.loads(row.logs or "[]")
            issued = card_events().decode_all("CardsIssued", logs, card.address)
            batch.first_token_id = issued[0]["firstTokenId"] if issued else None

        def follow(batch: Batch, row, until: str, tell: bool = False):
            # The audit log hears of a batch this run enqueued once its hash is known, as without the outbox
            # (once: a resumed run follows the batches an earlier run told of).
            told = (lambda tx_hash: issuer.observe_outbox(tx_hash, card.address, row.data, "issueBatch")) \
                if tell else None
            try:
                return outbox.wait(row.id, timeout, until=until, on_sent=told)
            except OutboxFailed as exc:
                batch.status, batch.tx = "failed", exc.row.tx_hash
                state.save()
                raise AirdropError(f"batch {batch.index} ({exc.row.tx_hash}) {exc.row.state}: "
                                   f"{exc.row.error or exc.row.error_code}; nothing of it was issued. "
                                   "Run the same command again to retry it.") from None
            except ChainError as exc:
                raise AirdropError(f"batch {batch.index} ({row.tx_hash}) is not {until} after {timeout:.0f} s "
                                   f"({exc.reason}); run the same command again later to finish") from None

        def finish(batch: Batch, row) -> None:
            settle(batch, row)  # after a reorganisation: where it was mined again
            batch.status = "done"
            state.save()
            bar.update(len(batch.addresses))
            if observer:
                observer("done", batch)

        def sweep() -> None:
            """Mined batches that became final meanwhile are done (without waiting for the others)."""
            for batch in state.batches:
                if batch.status == "mined" and (row := outbox.get_by_key(batch.key)).state == "confirmed":
                    finish(batch, row)

        for batch in state.batches:
            if batch.finished or batch.status == "mined":
                continue
            row = outbox.get_by_key(batch.key) if batch.key else None
            if batch.status == "failed" or (row is not None and row.state in ("failed", "replaced")):
                # It failed with nothing issued (a mined revert, a refused broadcast): a new key sends it again.
                batch.retries += 1 if batch.key else 0
                batch.key, batch.status, row = None, "planned", None
            enqueued = row is None
            if row is None:
                _refresh_holders(state, batch, card, cap)
                if batch.finished:
                    state.save()
                    continue
                gas = _estimate(issuer, card, batch.addresses, batch.tier, state.expires_at)
                gas_limit = min(int(gas * TX_GAS_MARGIN), chain.latest().gas_limit)
                if batch.from_block is None:  # where a run without the outbox would search the chain from
                    batch.from_block = chain.latest().number
                batch.key = f"{prefix}:{batch.index}" + (f":{batch.retries}" if batch.retries else "")
                batch.status = "sent"
                state.save()  # the key before the enqueue: a kill in between finds no row and enqueues it
                call = _issue_batch(card, batch.addresses, batch.tier, state.expires_at)
                try:
                    row = outbox.enqueue(batch.key, sender=issuer.address, to=card.address, data=call.calldata,
                                         gas=gas_limit, purpose="issueBatch", abi=card.abi,
                                         municipality_id=municipality_id)
                except ContractReverted as exc:
                    batch.status, batch.key = "planned", None
                    state.save()
                    raise AirdropError(f"the collection refuses batch {batch.index}: {exc.revert}") from None
                sent_now += 1
            batch.status = "sent"
            state.save()
            if observer:
                observer("sent", batch)
            mined = follow(batch, row, "mined", tell=enqueued)
            settle(batch, mined)
            batch.status = "mined"
            state.save()
            sweep()
        for batch in state.batches:
            if batch.status == "mined":
                finish(batch, follow(batch, outbox.get_by_key(batch.key), "confirmed"))
    return sent_now


def _dry_run(state: Journal, issuer: Issuer, card: Contract) -> DryRun:
    pending = [b for b in state.batches if not b.finished]
    total_gas = sum(_estimate(issuer, card, b.addresses, b.tier, state.expires_at) for b in pending)
    price = card.chain.gas_price()
    return DryRun(
        cards=sum(len(b.addresses) for b in pending),
        batches=len(pending),
        largest_batch=max((len(b.addresses) for b in pending), default=0),
        skipped=len(state.skipped),
        skipped_wallets=tuple(state.skipped),
        total_gas=total_gas,
        gas_price_wei=price,
        cost_wei=total_gas * price,
        token=_native_token(issuer.chain_id),
    )
