"""Airdrop: issue cards to every wallet of a CSV list, in batches, resumably.

One implementation for both ways in: the command line (scripts/airdrop.py) and the staff
console's airdrop jobs (backend/campaigns/airdrop_jobs.py, run by the backend's worker thread).

The list is read with backend.campaigns.csvfile (UTF-8 or Shift_JIS, Japanese
headers; a `tier` / `ランク` column sets a row's tier, `--tier` the others').
A list with any bad row sends nothing and lists every problem.

Batches: cards go out with ResidentCard.issueBatch, as many per transaction
as fit in GAS_FRACTION of the block gas limit, judged from a gas estimate of
the list's first wallets plus ESTIMATE_MARGIN; rows of one tier share batches.

Resuming: a journal, data_dir()/airdrops/<chain id>/<SYMBOL>/<sha256 of the
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
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import encode_hex, function_abi_to_4byte_selector, to_checksum_address
from web3.exceptions import ContractLogicError, TimeExhausted, TransactionNotFound

from backend.campaigns.csvfile import CsvFileError, RecipientRow, RowProblem
from backend.chain.deployments import data_dir
from backend.errors import ResidentError
from backend.messages import texts

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

NATIVE_TOKEN = {1: "ETH", 11155111: "ETH", 31337: "ETH", 1337: "ETH", 137: "POL", 80002: "POL",
                81: "JOC", 10081: "JOC"}


class AirdropError(ResidentError):
    """Raised when an airdrop cannot start or a batch fails; what was sent stays in the journal."""


# ----------------------------------------------------------------------
# Plan and journal
# ----------------------------------------------------------------------


@dataclass
class Batch:
    """One issueBatch transaction: its wallets and where it stands.

    status: planned → sending (nonce taken) → sent (tx hash known) → done | failed;
    a failed or lost batch goes back to planned on the next run.
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


def journal_path(chain_id: int, symbol: str, digest: str, root: Path | None = None) -> Path:
    """Where the journal of airdropping list `digest` to collection `symbol` lives (under `root`, default the
    data directory): the command line and the console share it, so one list is one airdrop either way."""
    return (root or data_dir()) / "airdrops" / str(chain_id) / symbol / f"{digest}.json"


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
# Chain access
# ----------------------------------------------------------------------


class _Chain:
    """The web3 calls an airdrop makes, for a ResidentCard at `card` sent from `sender`."""

    def __init__(self, card: Any, sender: Any, w3: Any = None) -> None:
        if w3 is None:
            w3 = getattr(card, "w3", None)
        if w3 is None:
            from brownie import web3 as w3  # a Brownie contract: Brownie's connection
        self.w3 = w3
        self.abi = card.abi
        self.contract = w3.eth.contract(address=to_checksum_address(card.address), abi=card.abi)
        self.address = self.contract.address
        self.sender = to_checksum_address(sender if isinstance(sender, str) else sender.address)
        key = getattr(sender, "private_key", None) or getattr(sender, "key", None)
        self.key = key  # None: the node holds the key (an unlocked development account)
        self.chain_id = w3.eth.chain_id
        self._errors = {
            function_abi_to_4byte_selector(item): item for item in self.abi if item.get("type") == "error"
        }

    def call(self, name: str, *args: Any) -> Any:
        return getattr(self.contract.functions, name)(*args).call()

    def balances(self, addresses: Sequence[str]) -> list[int]:
        """balanceOf of each address, BALANCE_CHUNK eth_calls per JSON-RPC batch request.

        Raw calls: web3's batch_requests costs ~2 ms of Python per call, the node
        answers a thousand in ~50 ms; a 10,000-wallet list is checked in a second.
        """
        result: list[int] = []
        make_batch = getattr(self.w3.provider, "make_batch_request", None)
        for start in range(0, len(addresses), BALANCE_CHUNK):
            chunk = addresses[start:start + BALANCE_CHUNK]
            answers = None
            if make_batch:
                calls = [("eth_call", [{"to": self.address, "data": _BALANCE_OF + a[2:].lower().rjust(64, "0")},
                                       "latest"]) for a in chunk]
                answers = make_batch(calls)
            if isinstance(answers, list) and len(answers) == len(chunk) and all("result" in a for a in answers):
                result.extend(int(a["result"], 16) for a in answers)
            else:  # a provider without batches, or one that refused it: one call each
                result.extend(self.call("balanceOf", address) for address in chunk)
        return result

    def estimate(self, addresses: Sequence[str], tier: int, expires_at: int) -> int:
        try:
            return self.contract.functions.issueBatch(list(addresses), tier, expires_at).estimate_gas(
                {"from": self.sender})
        except ContractLogicError as exc:
            reason = self.explain(exc.data, exc.message or str(exc))
        except ValueError as exc:  # Brownie's middleware turns node errors into ValueError({code, message, data})
            payload = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
            if "data" not in payload:
                raise
            reason = self.explain(payload["data"], payload.get("message", str(exc)))
        raise AirdropError(f"the collection refuses this batch: {reason}")

    def explain(self, data: Any, message: str) -> str:
        """A revert as `ErrorName(args)` from the collection's ABI, else the node's message."""
        if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
            raw = bytes.fromhex(data[2:])
            item = self._errors.get(raw[:4])
            if item:
                values = abi_decode([i["type"] for i in item["inputs"]], raw[4:])
                shown = ", ".join(encode_hex(v) if isinstance(v, bytes) else str(v) for v in values)
                return f"{item['name']}({shown})"
        return message

    def block(self) -> Any:
        return self.w3.eth.get_block("latest")

    def nonce(self, block: str) -> int:
        return self.w3.eth.get_transaction_count(self.sender, block)

    def send(self, batch: Batch, expires_at: int, gas: int, nonce: int,
             before_broadcast: Callable[[str | None], None]) -> str:
        """Sends batch's issueBatch with `nonce`; calls before_broadcast(tx hash or None) first."""
        tx = self.contract.functions.issueBatch(batch.addresses, batch.tier, expires_at).build_transaction(
            {"from": self.sender, "nonce": nonce, "gas": gas, "chainId": self.chain_id})
        if self.key:
            signed = self.w3.eth.account.sign_transaction(tx, self.key)
            tx_hash = encode_hex(signed.hash)
            before_broadcast(tx_hash)  # the hash is known before the node sees the transaction
            self.w3.eth.send_raw_transaction(signed.raw_transaction)
            return tx_hash
        before_broadcast(None)
        return encode_hex(self.w3.eth.send_transaction(tx))

    def receipt(self, tx_hash: str, timeout: float) -> Any:
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.05)

    def find_receipt(self, tx_hash: str) -> Any | None:
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def is_pending(self, tx_hash: str) -> bool:
        try:
            self.w3.eth.get_transaction(tx_hash)
            return True
        except TransactionNotFound:
            return False

    def find_batch(self, batch: Batch, expires_at: int) -> Any | None:
        """The receipt of a mined issueBatch of exactly `batch`, sent by us since batch.from_block."""
        calldata = bytes.fromhex(self.contract.encode_abi(
            "issueBatch", args=[batch.addresses, batch.tier, expires_at])[2:])
        for log in self.contract.events.CardsIssued().get_logs(from_block=batch.from_block, to_block="latest"):
            tx = self.w3.eth.get_transaction(log["transactionHash"])
            if tx["from"] == self.sender and bytes(tx["input"]) == calldata:
                return self.w3.eth.get_transaction_receipt(log["transactionHash"])
        return None

    def first_token_id(self, receipt: Any) -> int | None:
        from web3.logs import DISCARD

        events = self.contract.events.CardsIssued().process_receipt(receipt, errors=DISCARD)
        return int(events[0]["args"]["firstTokenId"]) if events else None


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

    def __str__(self) -> str:
        cost = Decimal(self.cost_wei) / Decimal(10**18)
        said = texts("airdrop_dry_run", cards=f"{self.cards:,}", batches=self.batches,
                     largest=f"{self.largest_batch:,}", skipped=self.skipped, gas=f"{self.total_gas:,}",
                     cost=f"{cost:f}", token=self.token, gwei=f"{self.gas_price_wei / 1e9:g}")
        return f"{said.en}\n{said.ja}"


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
    card: Any,
    rows: Sequence[RecipientRow],
    *,
    sender: Any,
    tier: int = 0,
    validity_days: int | None = None,
    dry_run: bool = False,
    journal: Path | None = None,
    w3: Any = None,
    gas_fraction: float = GAS_FRACTION,
    max_batch_size: int | None = None,
    progress: bool = True,
    observer: Callable[[str, Batch], None] | None = None,
    receipt_timeout: float = RECEIPT_TIMEOUT,
    send_lock: AbstractContextManager | None = None,
) -> AirdropResult | DryRun:
    """Issues a card to every row's wallet with `card`.issueBatch, resumably.

    card: a ResidentCard (Brownie or web3 contract); sender: the issuer (a
    Brownie/eth-account account, or the address of an account the node holds).
    tier: the tier of rows without one; validity_days: cards expire that many
    days after the airdrop starts (None = never). journal: defaults to
    journal_path(chain, symbol, list_digest(rows)). observer(stage, batch) is
    called with "sent" and "done"; an exception it raises stops the airdrop there (resumable).
    send_lock: held while a batch takes its nonce and is broadcast, so that another sender
    of the same key in this process (backend/chain/issuer.py) cannot take the same nonce.
    Running again with the same list resumes.
    """
    chain = _Chain(card, sender, w3)
    symbol = chain.call("symbol")
    path = journal or journal_path(chain.chain_id, symbol, list_digest(rows))
    started = time.monotonic()

    if path.exists():
        state = Journal.load(path)
        if all(b.finished for b in state.batches):  # nothing left to do, whatever the options say now
            return _finished(state, dry_run, chain, started)
        _check_same_airdrop(state, chain, tier, validity_days)
        _recover(state, chain, receipt_timeout)
    else:
        state = _new_journal(path, chain, symbol, rows, tier, validity_days, gas_fraction, max_batch_size, dry_run)

    if dry_run:
        return _dry_run(state, chain)

    sent_now = _send_all(state, chain, progress, observer, receipt_timeout, send_lock or nullcontext())
    return AirdropResult(path, state.issued, state.skipped, state.batches, sent_now, time.monotonic() - started)


def _finished(state: Journal, dry_run: bool, chain: _Chain, started: float) -> AirdropResult | DryRun:
    if dry_run:
        return _dry_run(state, chain)
    return AirdropResult(state.path, state.issued, state.skipped, state.batches, 0, time.monotonic() - started)


def _check_same_airdrop(state: Journal, chain: _Chain, tier: int, validity_days: int | None) -> None:
    differences = []
    if state.contract != chain.address:
        differences.append(f"collection {state.contract}")
    if state.sender != chain.sender:
        differences.append(f"issuer account {state.sender}")
    if state.default_tier != tier:
        differences.append(f"--tier {state.default_tier}")
    if state.validity_days != validity_days:
        differences.append(f"--validity-days {state.validity_days}" if state.validity_days else "no --validity-days")
    if differences:
        raise AirdropError(f"{state.path}: this list was already (partly) airdropped with "
                           f"{', '.join(differences)}. Run again with the same settings to finish it; a second "
                           "airdrop of the same list needs a different file.")


def _new_journal(path: Path, chain: _Chain, symbol: str, rows: Sequence[RecipientRow], tier: int,
                 validity_days: int | None, gas_fraction: float, max_batch_size: int | None, dry_run: bool) -> Journal:
    """Checks the list against the collection and plans its batches (saved unless a dry run)."""
    if not rows:
        raise AirdropError("the list has no wallets")
    if max_batch_size is not None and max_batch_size < 1:
        raise AirdropError(f"--batch-size must be at least 1 (got {max_batch_size})")
    if validity_days is not None and validity_days < 1:
        raise AirdropError(f"--validity-days must be at least 1 (got {validity_days}); leave it out for no expiry")
    if chain.call("paused"):
        raise AirdropError(f"the collection {symbol} is paused: unpause it before the airdrop")
    if not chain.call("hasRole", chain.call("ISSUER_ROLE"), chain.sender):
        raise AirdropError(f"{chain.sender} may not issue cards of {symbol}: "
                           "grant it ISSUER_ROLE or use the issuer's key")
    max_tier = chain.call("maxTier")
    if not 0 <= tier <= max_tier:
        raise AirdropError(f"--tier {tier} is not a tier of {symbol} (0 to {max_tier})")

    problems = [
        RowProblem.of(r.line, "tier", "airdrop_tier_too_high", tier=r.tier, max_tier=max_tier)
        for r in rows if r.tier is not None and r.tier > max_tier
    ]
    cap = chain.call("maxCardsPerWallet")
    balances = chain.balances([r.address for r in rows])
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

    latest = chain.block()
    expires_at = 0 if validity_days is None else int(latest["timestamp"]) + validity_days * DAY
    batches: list[Batch] = []
    if to_issue:
        sample = [r.address for r in to_issue[:SAMPLE_SIZE]]
        per_card = chain.estimate(sample, tier, expires_at) / len(sample)
        size = batch_size_for(per_card, int(latest["gasLimit"]), gas_fraction)
        if max_batch_size:
            size = min(size, max_batch_size)
        batches = plan_batches(to_issue, tier, size)
    state = Journal(path, chain.chain_id, chain.address, symbol, path.stem, chain.sender, tier, validity_days,
                    expires_at, batches, skipped)
    if not dry_run:
        state.save()
    return state


def _recover(state: Journal, chain: _Chain, timeout: float) -> None:
    """Settles batches a previous run sent or may have sent, from what the chain says happened.

    A batch counts as issued when the chain holds a successful issueBatch from
    the issuer with exactly this batch's call data, mined since the batch was
    first tried: whatever hash or nonce the journal kept (lost, replaced, or
    never learnt because the kill came first), the same wallets are never sent twice.
    """
    for batch in state.batches:
        if batch.finished or batch.from_block is None:
            continue  # done, or never tried
        _wait_if_in_flight(batch, chain, timeout)
        receipt = chain.find_batch(batch, state.expires_at)
        if receipt is None:
            batch.status = "planned"  # failed, dropped or never broadcast: send it (again)
        else:
            _settle(batch, receipt, chain)
        state.save()


def _wait_if_in_flight(batch: Batch, chain: _Chain, timeout: float) -> None:
    """Waits for the batch's transaction if the node still holds it unmined."""
    deadline = time.monotonic() + timeout
    if batch.tx and chain.find_receipt(batch.tx) is None and chain.is_pending(batch.tx):
        try:
            chain.receipt(batch.tx, timeout)
            return
        except TimeExhausted:
            pass
    elif batch.status == "sending" and batch.nonce is not None:
        # Killed between taking the nonce and learning the hash (node-held keys):
        # a pending transaction with that nonce may be this batch.
        while chain.nonce("latest") <= batch.nonce < chain.nonce("pending"):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        else:
            return
    else:
        return
    raise AirdropError(f"batch {batch.index}: its transaction (nonce {batch.nonce}) is still pending after "
                       f"{timeout:.0f} s; run the same command again later to finish")


def _settle(batch: Batch, receipt: Any, chain: _Chain) -> None:
    batch.tx = encode_hex(receipt["transactionHash"])
    batch.block = receipt["blockNumber"]
    batch.gas_used = receipt["gasUsed"]
    if receipt["status"] == 1:
        batch.status = "done"
        batch.first_token_id = chain.first_token_id(receipt)
    else:
        batch.status = "failed"


def _refresh_holders(state: Journal, batch: Batch, chain: _Chain, cap: int) -> None:
    """In one-card collections, drops wallets that got a card since the plan was made."""
    if cap != 1:
        return
    keep_addresses, keep_lines = [], []
    for address, line, held in zip(batch.addresses, batch.lines, chain.balances(batch.addresses)):
        if held:
            state.skipped.append({"line": line, "address": address, "reason": "already holds a card"})
        else:
            keep_addresses.append(address)
            keep_lines.append(line)
    batch.addresses, batch.lines = keep_addresses, keep_lines
    if not batch.addresses:
        batch.status = "skipped"


def _send_all(state: Journal, chain: _Chain, progress: bool, observer: Callable[[str, Batch], None] | None,
              timeout: float, send_lock: AbstractContextManager) -> int:
    from tqdm import tqdm

    cap = chain.call("maxCardsPerWallet")
    sent_now = 0
    with tqdm(total=state.total, initial=state.issued, unit="card", file=sys.stderr, disable=not progress,
              desc=f"Airdrop {state.symbol}") as bar:
        for batch in state.batches:
            if batch.finished:
                continue
            _refresh_holders(state, batch, chain, cap)
            if batch.finished:
                state.save()
                continue
            gas = chain.estimate(batch.addresses, batch.tier, state.expires_at)
            gas_limit = min(int(gas * TX_GAS_MARGIN), int(chain.block()["gasLimit"]))

            def before_broadcast(tx_hash: str | None, batch: Batch = batch) -> None:
                batch.status = "sent" if tx_hash else "sending"
                batch.tx = tx_hash
                state.save()

            with send_lock:
                batch.nonce = chain.nonce("pending")
                if batch.from_block is None:  # the first try: recovery searches the chain from here
                    batch.from_block = chain.block()["number"]
                batch.tx = chain.send(batch, state.expires_at, gas_limit, batch.nonce, before_broadcast)
            batch.status = "sent"
            state.save()
            sent_now += 1
            if observer:
                observer("sent", batch)
            try:
                receipt = chain.receipt(batch.tx, timeout)
            except TimeExhausted:
                raise AirdropError(f"batch {batch.index} ({batch.tx}) is not mined after {timeout:.0f} s; "
                                   "run the same command again later to finish") from None
            _settle(batch, receipt, chain)
            state.save()
            if batch.status == "failed":
                raise AirdropError(f"batch {batch.index} ({batch.tx}) reverted; nothing of it was issued. "
                                   "Run the same command again to retry it.")
            bar.update(len(batch.addresses))
            if observer:
                observer("done", batch)
    return sent_now


def _dry_run(state: Journal, chain: _Chain) -> DryRun:
    pending = [b for b in state.batches if not b.finished]
    total_gas = sum(chain.estimate(b.addresses, b.tier, state.expires_at) for b in pending)
    price = chain.w3.eth.gas_price
    return DryRun(
        cards=sum(len(b.addresses) for b in pending),
        batches=len(pending),
        largest_batch=max((len(b.addresses) for b in pending), default=0),
        skipped=len(state.skipped),
        total_gas=total_gas,
        gas_price_wei=price,
        cost_wei=total_gas * price,
        token=NATIVE_TOKEN.get(chain.chain_id, "native token"),
    )
