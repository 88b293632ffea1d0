"""The outbox manager in a process of its own, for the SIGKILL test (test_crash.py).

    python -m tests.backend.chain.outbox.crash_worker DB_URL RPC_URL KEY POINT N

steps the manager until every row is confirmed. POINT (with N: at its N-th time) kills the process with
SIGKILL, the way a crash or an OOM kill ends it — no cleanup, no commit:
  record     in broadcasting, after the signed raw is committed, before the node gets it
  broadcast  right after the node took the transaction, before the row says sent
  watch      while reading a receipt
  none       runs to the end
"""

from __future__ import annotations

import os
import signal
import sys
import time

from sqlalchemy import select

from backend.chain.client import Chain
from backend.chain.issuer import Issuer
from backend.chain.outbox import Manager
from backend.db import make_engine, session_factory
from backend.db.models import OutboxTx  # every table, so the foreign keys resolve


def main() -> int:
    db_url, rpc_url, key, point, nth = sys.argv[1:6]
    nth = int(nth)
    chain = Chain(rpc_url)
    calls = {"record": 0, "broadcast": 0, "watch": 0}

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    real_send, real_receipt = chain.send_raw, chain.receipt

    def send_raw(raw):
        calls["record"] += 1
        if point == "record" and calls["record"] == nth:
            die()
        answer = real_send(raw)
        calls["broadcast"] += 1
        if point == "broadcast" and calls["broadcast"] == nth:
            die()
        return answer

    def receipt(tx_hash):
        calls["watch"] += 1
        if point == "watch" and calls["watch"] == nth:
            die()
        return real_receipt(tx_hash)

    chain.send_raw, chain.receipt = send_raw, receipt
    sessions = session_factory(make_engine(db_url))
    # A fresh holder each run, as a restarted process; a short lease so the restart takes the sender at once.
    manager = Manager(sessions, chain, [Issuer(chain, key, chain.chain_id())], lease_seconds=0.5)
    deadline = time.monotonic() + 60
    time.sleep(0.6)  # the killed run's lease runs out
    while time.monotonic() < deadline:
        manager.step()
        with sessions() as session:
            states = set(session.scalars(select(OutboxTx.state)).all())
        if states <= {"confirmed", "failed", "replaced"}:
            return 0
        time.sleep(0.05)
    return 1


if __name__ == "__main__":
    sys.exit(main())
