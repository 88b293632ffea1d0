"""The production profile for real (conftest.py: gunicorn's 3 workers, PostgreSQL, anvil, Caddy). SIGKILL the
worker that leads: gunicorn replaces it, another worker takes the advisory lock within 15 s, and the index
keeps following the chain."""

from __future__ import annotations

import os
import signal
import time

import httpx
from web3 import Web3

from tests.backend.production_profile.conftest import (TAKEOVER_SECONDS, children, get, indexed_block, leader_pid,
                                                       wait_for)


def test_another_worker_leads_within_15_s_of_the_leaders_sigkill_and_indexing_goes_on(stack):
    engine, api = stack["engine"], stack["api"]
    first = wait_for(lambda: leader_pid(engine), "a leader", 90)
    workers = wait_for(lambda: len(children(api.pid)) == 3 and children(api.pid), "3 workers", 30)
    assert first in workers  # the leader is one of gunicorn's workers, not the master
    wait_for(lambda: indexed_block(engine) >= 2, "the leader to index", 30)

    # Through Caddy over TLS, verified against Caddy's local CA: the workers answer.
    ca = wait_for(lambda: stack["ca"].exists() and stack["ca"], "Caddy's local CA", 20)
    with httpx.Client(verify=str(ca), timeout=5) as client:
        health = wait_for(lambda: get(client, stack["https"] + "/health"), "/health through Caddy", 20)
        assert health.status_code == 200, health.text

        os.kill(first, signal.SIGKILL)
        killed_at = time.monotonic()
        second = wait_for(lambda: (pid := leader_pid(engine)) not in (None, first) and pid,
                          "another leader", TAKEOVER_SECONDS + 5)
        took = time.monotonic() - killed_at
        assert took <= TAKEOVER_SECONDS, f"the new leader took {took:.1f} s"
        assert second in children(api.pid)
        # The new leader indexes blocks mined after its election (anvil mines one a second).
        head = Web3(Web3.HTTPProvider(stack["rpc"])).eth.block_number
        wait_for(lambda: indexed_block(engine) >= head + 1, "indexing to go on", TAKEOVER_SECONDS)
        # gunicorn replaced the killed worker: three again, the dead one gone; the API still answers.
        wait_for(lambda: len(children(api.pid)) == 3 and first not in children(api.pid), "a new worker", 20)
        assert client.get(stack["https"] + "/health").status_code == 200
