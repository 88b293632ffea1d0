"""The rehearsal's final check: the chain against the database.

`observe()` reads both sides once (the chain straight from anvil, never through the fault proxy); `check()` is a
pure function of that picture, so tests can plant a duplicate, a lost job or a stale index row and see it caught.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"  # Transfer(address,address,uint256)
ZERO = "0x" + "0" * 40
FINISHED = ("done", "failed")


@dataclass
class Observed:
    wallets: list[str]  # every wallet the airdrop lists named (checksummed)
    minted: dict[str, int]  # wallet -> cards minted to it (Transfer from 0x0 on chain)
    chain_owners: dict[int, str | None]  # token id -> holder on chain (None: burnt)
    index_owners: dict[int, str | None]  # token id -> holder in the indexer's `cards` (None: revoked/burnt)
    jobs: list[dict]  # {id, status, total, done, failed, message_en}
    pending_txs: int  # the sender's transactions still in the node's pool
    sender_gap: int = 0  # the sender's pending nonce minus its mined nonce
    index_error: str = ""  # why the indexer could not catch up with the chain at the end, if it could not
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Check:
    name: str
    count: int  # how many problems; 0 = passed
    detail: str

    @property
    def passed(self) -> bool:
        return self.count == 0


def check(seen: Observed) -> list[Check]:
    listed = set(seen.wallets)
    twice = {w: n for w, n in seen.minted.items() if n > 1}
    duplicates = sum(n - 1 for n in twice.values())
    unfinished = [j for j in seen.jobs if j["status"] not in FINISHED]
    unexplained = [j for j in seen.jobs if j["status"] == "failed" and not j.get("message_en")]
    done_wallets = listed if seen.jobs and all(j["status"] == "done" for j in seen.jobs) else set()
    never_issued = sorted(w for w in done_wallets if seen.minted.get(w, 0) == 0)
    said_done = sum(j.get("done", 0) for j in seen.jobs)
    on_chain = sum(1 for w in listed if seen.minted.get(w, 0) > 0)
    lost_rows = len(unfinished) + len(unexplained)
    mismatched = sorted(t for t in set(seen.chain_owners) | set(seen.index_owners)
                        if seen.chain_owners.get(t, "missing") != seen.index_owners.get(t, "missing"))
    return [
        Check("nobody issued twice", duplicates,
              f"{len(twice)} wallets hold more than one card" if twice else "each wallet at most one card"),
        Check("no job lost", lost_rows,
              f"{len(unfinished)} jobs not finished, {len(unexplained)} failed without a reason"
              if lost_rows else f"{len(seen.jobs)} jobs done or failed with a reason"),
        Check("done means on chain", len(never_issued),
              f"{len(never_issued)} wallets of a done job have no card (e.g. lost to a reorg)"
              if never_issued else f"jobs say {said_done} issued; {on_chain} wallets have a card"),
        Check("nothing stuck", seen.pending_txs + seen.sender_gap,
              f"{seen.pending_txs} txs in the pool, nonce gap {seen.sender_gap}"),
        Check("index caught up", 1 if seen.index_error else 0,
              seen.index_error[:90] or "the indexer reached the head"),
        Check("index equals chain", len(mismatched),
              f"{len(mismatched)} tokens differ (e.g. {mismatched[:3]})" if mismatched
              else f"{len(seen.chain_owners)} tokens agree"),
    ]


def table(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"{'check':<{width}}  result  problems  detail", "-" * (width + 40)]
    lines += [f"{c.name:<{width}}  {'PASS' if c.passed else 'FAIL':<6}  {c.count:>8}  {c.detail}" for c in checks]
    return "\n".join(lines)


# -- reading both sides -------------------------------------------------------------------------------------
def _address(topic: str) -> str:
    from web3 import Web3

    return Web3.to_checksum_address("0x" + topic[-40:])


def chain_side(chain, address: str, from_block: int) -> tuple[dict[str, int], dict[int, str | None]]:
    """Mints per wallet and holders per token, from the collection's Transfer logs (straight from anvil)."""
    logs = chain.rpc("eth_getLogs", [{"address": address, "fromBlock": hex(from_block), "toBlock": "latest",
                                      "topics": [TRANSFER]}])
    minted: Counter = Counter()
    owners: dict[int, str | None] = {}
    for entry in sorted(logs, key=lambda e: (int(e["blockNumber"], 16), int(e["logIndex"], 16))):
        sender, to, token = _address(entry["topics"][1]), _address(entry["topics"][2]), int(entry["topics"][3], 16)
        if sender == ZERO:
            minted[to] += 1
        owners[token] = None if to == ZERO else to
    return dict(minted), owners


def index_side(sessions, collection_address: str) -> dict[int, str | None]:
    from backend.db.models_chain import Card, Collection

    with sessions() as db:
        collection_id = db.scalar(select(Collection.id).where(Collection.address == collection_address))
        rows = db.execute(select(Card.token_id, Card.owner, Card.status).where(Card.collection_id == collection_id))
        return {token: (owner if status == "active" else None) for token, owner, status in rows}


def jobs_side(sessions) -> list[dict]:
    from backend.db.models_campaigns import AirdropJob

    with sessions() as db:
        return [{"id": j.id, "status": j.status, "total": j.total, "done": j.done, "failed": j.failed,
                 "message_en": j.message_en, "batches": j.batches} for j in db.scalars(select(AirdropJob))]


def pool_side(chain, sender: str) -> tuple[int, int]:
    pending = chain.rpc("txpool_content").get("pending", {})
    mine = sum(len(by_nonce) for who, by_nonce in pending.items() if who.lower() == sender.lower())
    gap = (int(chain.rpc("eth_getTransactionCount", [sender, "pending"]), 16)
           - int(chain.rpc("eth_getTransactionCount", [sender, "latest"]), 16))
    return mine, gap
