"""The fault rehearsal (tools/rehearsal): its checker catches planted problems, its fault proxy and chain faults
do what they say on a real anvil, and a short rehearsal (30 wallets, faults on) runs the app's own airdrop worker
end to end and computes its checks from the real chain and database."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request

import pytest
from eth_account import Account

from tools.rehearsal import check as checks
from tools.rehearsal.chain import ChainFault, FaultSchedule, RehearsalChain
from tools.rehearsal.faults import FaultPlan, FaultProxy
from tools.rehearsal.run import random_wallets, rehearse

WALLETS = random_wallets(4, seed=1)


def clean() -> checks.Observed:
    return checks.Observed(
        wallets=list(WALLETS), minted={w: 1 for w in WALLETS},
        chain_owners={i + 1: w for i, w in enumerate(WALLETS)}, index_owners={i + 1: w for i, w in enumerate(WALLETS)},
        jobs=[{"id": 1, "status": "done", "total": 4, "done": 4, "failed": 0, "message_en": "Issued 4"}],
        pending_txs=0)


def failing(seen: checks.Observed) -> dict[str, int]:
    return {c.name: c.count for c in checks.check(seen) if not c.passed}


# -- the checker --------------------------------------------------------------------------------------------
def test_a_clean_picture_passes_every_check():
    assert failing(clean()) == {}


def test_checker_catches_a_planted_duplicate():
    seen = clean()
    seen.minted[WALLETS[2]] = 3  # issued three times: two too many
    seen.chain_owners[5] = seen.chain_owners[6] = seen.index_owners[5] = seen.index_owners[6] = WALLETS[2]
    assert failing(seen) == {"nobody issued twice": 2}


def test_checker_catches_a_planted_lost_job():
    seen = clean()
    seen.jobs.append({"id": 2, "status": "running", "total": 1, "done": 0, "failed": 0, "message_en": ""})
    seen.jobs.append({"id": 3, "status": "failed", "total": 1, "done": 0, "failed": 1, "message_en": ""})
    assert failing(seen) == {"no job lost": 2}


def test_checker_catches_a_done_job_whose_cards_a_reorg_took():
    seen = clean()
    del seen.minted[WALLETS[0]]
    del seen.chain_owners[1]
    del seen.index_owners[1]
    assert failing(seen) == {"done means on chain": 1}


def test_checker_catches_an_index_that_differs_from_the_chain():
    seen = clean()
    seen.index_owners[2] = WALLETS[3]  # a transfer the index missed
    seen.index_owners[99] = WALLETS[0]  # a token the chain never had (left over from a reorged block)
    del seen.index_owners[3]  # a token the index never saw
    assert failing(seen) == {"index equals chain": 3}


def test_checker_catches_stuck_transactions():
    seen = clean()
    seen.pending_txs, seen.sender_gap = 2, 1
    assert failing(seen) == {"nothing stuck": 3}


def test_checker_reports_an_index_that_could_not_catch_up():
    seen = clean()
    seen.index_error = "ReorgDuringFetch: block 97 vanished"
    assert failing(seen) == {"index caught up": 1}


# -- the fault machinery on a real anvil ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def chain():
    node = RehearsalChain(block_time=1.0)
    yield node
    node.stop()


def post(url: str, method: str = "eth_chainId"):
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": method, "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


@pytest.mark.parametrize("kind, status", [("429", 429), ("502", 502), ("503", 503)])
def test_proxy_answers_http_errors_with_retry_after(chain, kind, status):
    proxy = FaultProxy(chain.url, FaultPlan(seed=1, rate=1.0, kinds=(kind,)), retry_after=4)
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            post(proxy.url)
        assert caught.value.code == status
        assert caught.value.headers.get("Retry-After") == ("4" if status != 502 else None)
        assert proxy.injected() == {kind: 1}
    finally:
        proxy.stop()


def test_proxy_closes_stalls_errors_and_otherwise_forwards(chain):
    proxy = FaultProxy(chain.url, FaultPlan(seed=1, rate=1.0, kinds=("close",)), stall_seconds=0.5)
    try:
        with pytest.raises((urllib.error.URLError, ConnectionError, http_client_errors())):
            post(proxy.url)
        proxy.plan = FaultPlan(seed=1, rate=1.0, kinds=("rpc_error",))
        status, answer = post(proxy.url)
        assert status == 200 and answer["error"]["code"] == -32005 and answer["id"] == 7
        proxy.plan = FaultPlan(seed=1, rate=1.0, kinds=("stall",))
        started = time.monotonic()
        assert post(proxy.url)[1]["result"] == hex(31337)  # stalled, then forwarded
        assert time.monotonic() - started >= 0.5
        # The answer lost after the node did what was asked (here: mine a block).
        proxy.plan = FaultPlan(seed=1, rate=1.0, kinds=("lost_answer",))
        before = int(chain.rpc("eth_blockNumber"), 16)
        with pytest.raises((urllib.error.URLError, ConnectionError, http_client_errors())):
            post(proxy.url, "evm_mine")
        assert int(chain.rpc("eth_blockNumber"), 16) > before
        proxy.plan = FaultPlan(seed=1, rate=0.0)
        assert post(proxy.url)[1]["result"] == hex(31337)
        assert proxy.injected() == {"close": 1, "rpc_error": 1, "stall": 1, "lost_answer": 1}
    finally:
        proxy.stop()


def http_client_errors():
    import http.client

    return http.client.HTTPException


def test_fault_plans_and_schedules_repeat_for_a_seed():
    first, second = FaultPlan(seed=9, rate=0.3), FaultPlan(seed=9, rate=0.3)
    assert [first.next() for _ in range(200)] == [second.next() for _ in range(200)]
    assert FaultSchedule.seeded(9, 120).faults == FaultSchedule.seeded(9, 120).faults
    assert FaultSchedule.seeded(9, 120).faults != FaultSchedule.seeded(10, 120).faults
    assert {f.kind for f in FaultSchedule.seeded(9, 600).faults} >= {"reorg", "rollback", "drop_all"}


def test_chain_faults_spike_the_fee_drop_reorg_and_roll_back(chain):
    key = chain.fresh_key(ether=1)  # funded by a transfer signed here, not by the node
    assert int(chain.rpc("eth_getBalance", [Account.from_key(key).address, "latest"]), 16) == 10**18

    chain.apply(ChainFault(0, "base_fee_spike", 777 * 10**9))
    spiked = chain.head() + 1
    while chain.head() < spiked:
        time.sleep(0.2)
    assert int(chain.rpc("eth_getBlockByNumber", [hex(spiked), False])["baseFeePerGas"], 16) == 777 * 10**9

    # A pending transaction is dropped from the pool (mining paused meanwhile, so no block takes it first).
    sender = Account.from_key(key)
    chain.rpc("anvil_setIntervalMining", [0])
    nonce = int(chain.rpc("eth_getTransactionCount", [sender.address, "pending"]), 16)
    signed = sender.sign_transaction({"chainId": 31337, "nonce": nonce, "to": sender.address, "value": 0,
                                      "gas": 21_000, "maxFeePerGas": 2000 * 10**9, "maxPriorityFeePerGas": 10**9})
    tx_hash = chain.rpc("eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex().removeprefix("0x")])
    assert chain.apply(ChainFault(0, "drop_one")) == f"dropped {tx_hash}"
    assert chain.rpc("eth_getTransactionByHash", [tx_hash]) is None
    chain.rpc("anvil_setIntervalMining", [1])

    head = chain.head()
    before = chain.rpc("eth_getBlockByNumber", [hex(head - 1), False])["hash"]
    assert chain.apply(ChainFault(0, "reorg", 2)) == "ok"
    assert chain.rpc("eth_getBlockByNumber", [hex(head - 1), False])["hash"] != before
    head = chain.head()
    assert chain.apply(ChainFault(0, "rollback", 2)) == "ok"
    assert chain.head() < head


# -- the short rehearsal ----------------------------------------------------------------------------------------
def test_short_rehearsal_runs_the_app_under_faults_and_checks_the_real_chain(tmp_path):
    outcome = rehearse(wallets=30, seed=15, rpc_fault_rate=0.05, chain_fault_every=5, deadline=120, revocations=3,
                       block_time=1.0, chain_kinds=("base_fee_spike", "drop_one", "drop_all"),
                       data_dir=tmp_path, say=lambda *_: None)
    seen = outcome.observed
    assert sum(outcome.rpc_faults.values()) > 0 and outcome.chain_faults  # faults were really injected
    assert len(seen.wallets) == 30 and seen.jobs and seen.chain_owners  # read from the real chain and database
    assert set(seen.minted) <= set(seen.wallets)
    assert outcome.checks == checks.check(seen)  # the table is the checker's verdict on what was read
    # The verdict is honest on real data too: plant a duplicate and a lost row in what was read.
    seen.minted[seen.wallets[0]] = seen.minted.get(seen.wallets[0], 0) + 1
    seen.jobs.append({"id": 99, "status": "queued", "total": 1, "done": 0, "failed": 0, "message_en": ""})
    planted = failing(seen)
    assert planted.get("nobody issued twice", 0) >= 1 and planted.get("no job lost", 0) >= 1
    # Today's sender (backend/campaigns/airdrop.py) survives RPC errors, fee spikes and drops on this run.
    assert outcome.passed, "\n" + checks.table(outcome.checks)
