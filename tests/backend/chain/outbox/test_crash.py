"""A manager killed with SIGKILL at any point loses nothing and pays nobody twice.

The manager runs in a real subprocess (crash_worker.py) against anvil; it is killed at the point the test
names, restarted, and then the chain holds each intended transaction exactly once and the database agrees.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from backend.db.models_outbox import OutboxTx
from tests.backend.chain.outbox.conftest import SENDER_KEY, fresh_address
from tests.backend.localchain import ROOT

PAYMENTS = 3


def run_worker(db_url: str, rpc_url: str, point: str, nth: int = 1) -> int:
    return subprocess.run([sys.executable, "-m", "tests.backend.chain.outbox.crash_worker", db_url, rpc_url,
                           SENDER_KEY, point, str(nth)], cwd=ROOT, timeout=120).returncode


@pytest.mark.parametrize("point,nth", [("record", 2), ("broadcast", 1), ("broadcast", 3), ("watch", 2)])
def test_a_killed_manager_sends_each_transaction_exactly_once(point, nth, migrated_db_url, node, outbox, issuer,
                                                              chain, db_sessions):
    recipients = [fresh_address() for _ in range(PAYMENTS)]
    made = [outbox.enqueue(f"pay-{i}", sender=issuer.address, to=to, value=1000 + i)
            for i, to in enumerate(recipients)]
    assert run_worker(migrated_db_url, node.url, point, nth) == -signal.SIGKILL
    assert run_worker(migrated_db_url, node.url, "none") == 0
    # Exactly once on chain: each recipient holds its one payment, and the sender used one nonce for each.
    assert [chain.balance(to) for to in recipients] == [1000 + i for i in range(PAYMENTS)]
    assert chain.nonce(issuer.address, "latest") == PAYMENTS
    # And the database agrees: each row confirmed, at its own nonce, with the hash that was mined.
    with db_sessions() as session:
        rows = session.scalars(select(OutboxTx).order_by(OutboxTx.id)).all()
    assert [r.id for r in rows] == [m.id for m in made]
    assert sorted(r.nonce for r in rows) == list(range(PAYMENTS))
    for row in rows:
        assert row.state == "confirmed"
        receipt = chain.receipt(row.tx_hash)
        assert receipt.status == 1 and receipt.block_number == row.block_number
