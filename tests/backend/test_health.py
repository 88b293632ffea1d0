"""GET /health, and what the app answers while the chain's RPC node is down."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from tests.backend.localchain import Anvil, LocalChain

from backend.app import create_app
from backend.settings import Settings


def test_health_reports_chain_contracts_and_index(client, chain_with_collection, sync_index):
    sync_index()
    body = client.get("/health").json()
    head = chain_with_collection.web3.eth.block_number
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["chain_id"] == 31337
    addresses = {c["address"] for c in body["contracts"]}
    assert {chain_with_collection.collection.address, chain_with_collection.soulbound_collection.address} <= addresses
    assert body["head_block"] >= head and body["indexed_block"] <= body["head_block"]
    assert body["lag"] == body["head_block"] - body["indexed_block"]
    assert body["stale"] is False and body["rpc_error"] is None


def test_background_indexer_reflects_a_transfer_within_two_seconds(client, chain_with_collection, sync_index):
    chain, deployed = chain_with_collection, chain_with_collection.collection
    alice, bob = chain.new_holder().address, chain.new_holder().address
    token_id = deployed.issue(alice)
    sync_index()
    started = time.monotonic()
    deployed.transfer(token_id, bob)
    while True:
        owners = [c["owner"] for c in client.get(f"/holders/{bob}/cards").json()]
        if owners == [bob]:
            break
        assert time.monotonic() - started < 2.0, "the transfer was not indexed within 2 s"
        time.sleep(0.02)
    started = time.monotonic()
    deployed.revoke(token_id)
    while client.get(f"/holders/{bob}/cards").json():
        assert time.monotonic() - started < 2.0, "the revoke was not indexed within 2 s"
        time.sleep(0.02)


@pytest.fixture
def doomed_chain(tmp_path):
    node = Anvil()
    yield node, LocalChain(node.url, tmp_path / "data")
    node.stop()


def test_rpc_down_makes_health_stale_and_reads_keep_answering(doomed_chain, db_url):
    node, chain = doomed_chain
    deployed = chain.deploy("DOWN")
    holder = chain.new_holder().address
    token_id = deployed.issue(holder, tier=1)
    settings = Settings(_env_file=None, environment="test", rpc_url=node.url, chain_id=31337, data_dir=chain.data_dir,
                        database_url=db_url, poll_interval=0.05, stale_after=1.0)
    app = create_app(settings)
    with TestClient(app) as client:
        app.state.services.indexer.catch_up()
        assert client.get("/health").json()["stale"] is False
        node.stop()
        time.sleep(0.3)
        health = client.get("/health")
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "degraded" and body["stale"] is True
        assert body["head_block"] is None and body["lag"] is None and body["rpc_error"]
        assert body["indexed_block"] is not None and body["database"] == "ok"
        assert body["indexer_error"]  # the background thread's failing polls are recorded
        cards = client.get(f"/holders/{holder}/cards")
        assert cards.status_code == 200 and cards.json()[0]["token_id"] == token_id
        time.sleep(1.1)
        assert client.get("/health").json()["staleness_seconds"] > 1.0


def test_database_down_is_reported_not_raised(tmp_path, chain_with_collection, anvil):
    settings = Settings(_env_file=None, environment="test", rpc_url=anvil.url, chain_id=31337,
                        data_dir=chain_with_collection.data_dir, auto_migrate=False, indexer_enabled=False,
                        database_url="postgresql://nobody:wrong@127.0.0.1:1/none")
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"].startswith("error:") and body["status"] == "degraded"
    assert body["head_block"] is not None
