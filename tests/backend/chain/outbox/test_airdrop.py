"""The airdrop through the outbox: each batch one outbox transaction keyed by the list and its index, done only
once final, and a batch a reorganisation took out of the chain sent again by the manager (not lost, not twice).

The rehearsal (tools/rehearsal) lost 300 wallets this way when the airdrop sent its batches itself and called a
batch done on its first receipt."""

from __future__ import annotations

import threading
import time

from eth_account import Account
from sqlalchemy import select

from backend.campaigns.airdrop import airdrop
from backend.campaigns.csvfile import RecipientRow
from backend.chain.deployments import contract_for
from backend.chain.events import card_events
from backend.chain.issuer import Issuer
from backend.chain.outbox import Manager, Outbox
from backend.chain.outbox.worker import start_outbox
from backend.db.models_outbox import OutboxAttempt, OutboxTx
from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID

CONFIRMATIONS = 3


def outbox_rows(db_sessions):
    with db_sessions() as session:
        return session.scalars(select(OutboxTx).order_by(OutboxTx.id)).all()


def cards_issued(chain, card) -> list[str]:
    """Every wallet a CardsIssued event of `card` names, over the whole chain (a wallet twice: issued twice)."""
    topic = card_events()["CardsIssued"].topic
    wallets = []
    for log in chain.logs([card.address], 0, "latest", [topic]):
        tx = chain.transaction(log["transactionHash"])
        call = card.contract.decode_function_input(tx["input"])[1]
        wallets.extend(next(value for value in call.values() if isinstance(value, (list, tuple))))
    return wallets


class ReorgOnce(threading.Thread):
    """The chain's side: anvil mines each transaction at once (automine); this thread mines the blocks that make
    a mined transaction final, but only while nothing is waiting to be mined, and first takes the block of the
    airdrop's first batch out of the chain, once, the moment the outbox has seen its receipt."""

    def __init__(self, local, db_sessions) -> None:
        super().__init__(daemon=True)
        self.local, self.db_sessions = local, db_sessions
        self.stop = threading.Event()
        self.reorged: dict | None = None

    def run(self) -> None:
        while not self.stop.wait(0.1):
            rows = [r for r in outbox_rows(self.db_sessions) if r.purpose == "issueBatch"]
            if not rows or any(r.state in ("queued", "signed", "sent") for r in rows):
                continue
            first = rows[0]
            if self.reorged is None and first.state == "mined":
                head = int(self.local.rpc("eth_blockNumber"), 16)
                depth = head - first.block_number + 1
                self.reorged = {"tx_hash": first.tx_hash, "block": first.block_number, "depth": depth}
                self.local.rpc("anvil_reorg", [depth, []])  # the blocks re-mined without their transactions
                continue
            if any(r.state == "mined" for r in rows):
                self.local.rpc("evm_mine", [])


def test_a_batch_reorganised_out_after_its_receipt_is_sent_again_and_issued_once(local, chain, db_sessions, tmp_path):
    collection = local.deploy("DROP")
    card = contract_for(chain, collection.record)
    admin = Issuer(chain, ANVIL_KEYS[0], CHAIN_ID)  # holds ISSUER_ROLE on the collection
    manager = Manager(db_sessions, chain, [admin], confirmations=CONFIRMATIONS, stuck_after=600.0,
                      holder="leader-a")
    outbox = Outbox(db_sessions, chain, CHAIN_ID)
    admin.outbox = outbox
    wallets = [Account.create().address for _ in range(6)]
    rows = [RecipientRow(i + 2, wallet, None) for i, wallet in enumerate(wallets)]
    chain_side = ReorgOnce(local, db_sessions)
    loop = start_outbox(manager, outbox, interval=0.05)
    chain_side.start()
    try:
        result = airdrop(admin, card, rows, data_dir=tmp_path, max_batch_size=3, progress=False,
                         receipt_timeout=60)
    finally:
        chain_side.stop.set()
        chain_side.join(5)
    try:
        assert chain_side.reorged is not None, "the first batch was never seen mined before it was final"
        assert result.issued == 6 and [b.status for b in result.batches] == ["done", "done"]
        # The batch left the chain and came back: the same signed transaction, at a later block.
        first = outbox.get_by_key(result.batches[0].key)
        assert first.state == "confirmed" and first.tx_hash == chain_side.reorged["tx_hash"]
        assert first.block_number > chain_side.reorged["block"]
        assert chain.receipt(first.tx_hash).status == 1
        assert result.batches[0].tx == first.tx_hash and result.batches[0].block == first.block_number
        assert chain.head() - first.block_number + 1 >= CONFIRMATIONS
        # Every wallet issued exactly once, by one transaction per batch.
        assert sorted(cards_issued(chain, collection)) == sorted(wallets)
        assert [card.functions.balanceOf(w).call() for w in wallets] == [1] * 6
        batches = [r for r in outbox_rows(db_sessions) if r.purpose == "issueBatch"]
        assert [r.idempotency_key for r in batches] == [b.key for b in result.batches]
        assert result.batches[0].key.endswith(":0") and result.batches[1].key.endswith(":1")
        with db_sessions() as session:
            assert session.scalars(select(OutboxAttempt.tx_hash).where(OutboxAttempt.tx_id == first.id)).all() \
                == [first.tx_hash]

        # Run again (a resumed or retried job): nothing new is enqueued or sent.
        again = airdrop(admin, card, rows, data_dir=tmp_path, max_batch_size=3, progress=False, receipt_timeout=10)
        assert again.sent_now == 0 and again.issued == 6
        assert len(outbox_rows(db_sessions)) == len(batches)
        assert sorted(cards_issued(chain, collection)) == sorted(wallets)
    finally:
        loop.stop(5)


def test_a_resumed_airdrop_finds_its_enqueued_batch_by_key_and_sends_it_once(local, chain, db_sessions, tmp_path):
    """Killed after the batch was enqueued, before it was sent: the next run waits for that transaction."""
    collection = local.deploy("DROP")
    card = contract_for(chain, collection.record)
    admin = Issuer(chain, ANVIL_KEYS[0], CHAIN_ID)
    outbox = Outbox(db_sessions, chain, CHAIN_ID)
    admin.outbox = outbox
    manager = Manager(db_sessions, chain, [admin], holder="leader-a")
    wallets = [Account.create().address for _ in range(2)]
    rows = [RecipientRow(i + 2, wallet, None) for i, wallet in enumerate(wallets)]

    class Killed(Exception):
        pass

    def kill_when_sent(stage, batch):
        if stage == "sent":
            raise Killed()

    try:
        airdrop(admin, card, rows, data_dir=tmp_path, progress=False, observer=kill_when_sent)
    except Killed:
        pass
    [queued] = outbox_rows(db_sessions)
    assert queued.state == "queued"  # no manager ran: enqueued, not signed
    loop = start_outbox(manager, outbox, interval=0.05)
    try:
        deadline = time.monotonic() + 30
        result = airdrop(admin, card, rows, data_dir=tmp_path, progress=False, receipt_timeout=30)
        assert time.monotonic() < deadline
    finally:
        loop.stop(5)
    assert result.issued == 2 and result.sent_now == 0
    assert [r.id for r in outbox_rows(db_sessions)] == [queued.id]
    assert sorted(cards_issued(chain, collection)) == sorted(wallets)
