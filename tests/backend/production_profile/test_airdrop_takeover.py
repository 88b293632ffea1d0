"""Kill the leader mid-airdrop, on the production profile for real (conftest.py: gunicorn's 3 workers,
PostgreSQL, anvil mining a block a second, Caddy with its local CA in front).

A 100-wallet airdrop is queued through Caddy in batches of 10; once a batch is on chain the worker that leads
(and so sends) is SIGKILLed. Another worker must lead within 15 s, pick the job up when its lease runs out,
and finish it exactly once: every wallet holds one card on chain, no more, and the job's row says so."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest
from eth_account import Account
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.auth.staff import create_staff
from backend.db.models_campaigns import AirdropJob
from backend.db.models_chain import Card, Collection
from tests.backend.localchain import ANVIL_KEYS, LocalChain
from tests.backend.production_profile.conftest import TAKEOVER_SECONDS, children, get, leader_pid, wait_for

WALLETS, BATCH = 100, 10
LOGIN, PASSWORD = "airdrop-admin", "airdrop-password-1234"


@pytest.fixture
def stack_env():
    # The issuer signs locally with a key of its own, as in production; LocalChain deploys with that account.
    return {"RESIDENT_ISSUER_KEY": ANVIL_KEYS[0]}


def test_the_leader_killed_mid_airdrop_another_finishes_it_exactly_once(stack):
    started = time.monotonic()
    engine, api, base = stack["engine"], stack["api"], stack["https"]
    marks = {}
    chain = LocalChain(stack["rpc"], stack["data_dir"])
    deployed = chain.deploy("AIRKILL", name_ja="試験市", name_en="Takeover City")
    first = wait_for(lambda: leader_pid(engine), "a leader", 90)
    marks["leader"] = time.monotonic() - started
    with Session(engine) as session:
        create_staff(session, LOGIN, PASSWORD, superuser=True)
        session.commit()
    wallets = [Account.create().address for _ in range(WALLETS)]

    ca = wait_for(lambda: stack["ca"].exists() and stack["ca"], "Caddy's local CA", 20)
    with httpx.Client(verify=str(ca), timeout=30, headers={"Origin": base}) as client:
        wait_for(lambda: (r := get(client, base + "/health")) is not None and r.status_code == 200 and r,
                 "/health through Caddy", 30)
        token = client.post(base + "/staff/login", json={"login": LOGIN, "password": PASSWORD}).json()["token"]
        staff = {"Authorization": f"Bearer {token}"}

        def municipality():  # registered by the leader's indexer from the deployment record
            found = [m["id"] for m in client.get(base + "/staff/municipalities", headers=staff).json()
                     if m["name_en"] == "Takeover City"]
            return found[0] if found else None

        mid = wait_for(municipality, "the collection's municipality", 30)
        csv = ("address\r\n" + "\r\n".join(wallets) + "\r\n").encode()
        queued = client.post(f"{base}/staff/municipalities/{mid}/airdrops", headers=staff,
                             data={"collection": "AIRKILL", "batch_size": str(BATCH)},
                             files={"file": ("takeover.csv", csv, "text/csv")})
        assert queued.status_code == 202, queued.text
        job_url = f"{base}/staff/airdrops/{queued.json()['id']}"

        def job():
            return client.get(job_url, headers=staff).json()

        # Mid-airdrop: some batches on chain, not all. The leader is the worker that sends.
        midway = wait_for(lambda: (j := job())["done"] >= BATCH and j, "the first batch", 60)
        assert midway["status"] == "running" and midway["done"] < WALLETS
        marks["midway"] = time.monotonic() - started
        sender = leader_pid(engine)
        os.kill(sender, signal.SIGKILL)
        killed_at = time.monotonic()
        second = wait_for(lambda: (pid := leader_pid(engine)) not in (None, sender) and pid, "another leader",
                          TAKEOVER_SECONDS + 5)
        takeover = time.monotonic() - killed_at
        assert takeover <= TAKEOVER_SECONDS, f"the new leader took {takeover:.1f} s"
        assert second in children(api.pid)

        done = wait_for(lambda: (j := job())["status"] in ("done", "failed") and j, "the airdrop to end", 60)
        finished = time.monotonic() - killed_at

    # Exactly once, on chain: one card per wallet, no more cards than wallets.
    card = deployed.contract.functions
    assert card.totalSupply().call() == WALLETS
    assert [card.balanceOf(w).call() for w in wallets] == [1] * WALLETS
    # The job's row agrees: done, every wallet counted once, each batch a mined transaction of its count.
    assert (done["status"], done["done"], done["failed"], done["total"]) == ("done", WALLETS, 0, WALLETS), done
    with Session(engine) as session:
        row = session.scalar(select(AirdropJob).where(AirdropJob.id == done["id"]))
        sent = [b for b in row.batches if b.get("tx_hash")]
        assert len({b["tx_hash"] for b in sent}) == len(sent)
        assert sum(b["count"] for b in sent if b["status"] == "done") == WALLETS, row.batches
    receipts = [chain.web3.eth.get_transaction_receipt(b["tx_hash"]) for b in sent if b["status"] == "done"]
    assert all(r["status"] == 1 for r in receipts)
    # And the new leader's index has every card.
    def indexed():
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Card).join(Collection)
                                  .where(Collection.address == deployed.address, Card.status == "active"))
    wait_for(lambda: indexed() == WALLETS, "the index to hold every card", 20)
    print(f"\ntakeover {takeover:.1f} s; airdrop finished {finished:.1f} s after the kill; "
          f"test {time.monotonic() - started:.0f} s (first leader {first}, sender {sender}, new leader {second}); "
          f"{marks}")
