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
    answer = client.get("/health")
    body = answer.json()
    head = chain_with_collection.web3.eth.block_number
    assert answer.status_code == 200 and body["problems"] == []
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
        assert health.status_code == 503  # a load balancer takes the process out while it cannot serve fresh data
        body = health.json()
        assert body["status"] == "degraded" and body["stale"] is True
        assert "health_chain_down" in {p["code"] for p in body["problems"]}
        assert client.get("/health/live").status_code == 200  # but it is alive: no restart
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
                        database_url="postgresql://nobody:db-password-4711@127.0.0.1:1/none")
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
        live = client.get("/health/live")
    assert response.status_code == 503 and live.status_code == 200 and live.json() == {"status": "alive"}
    body = response.json()
    assert body["database"].startswith("error:") and body["status"] == "degraded"
    assert [p["code"] for p in body["problems"]] == ["health_database_down"]
    assert body["problems"][0]["message_en"] == "The database does not answer." and body["problems"][0]["message_ja"]
    assert "db-password-4711" not in response.text
    assert body["head_block"] is not None


API_KEY = "alchemy-api-key-0123456789abcdef"
BASIC_PASSWORD = "basic-auth-password-4711"


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_answer_and_no_log_record_shows_the_rpc_key(db_url, tmp_path, caplog):
    import logging

    from backend.chain.client import Chain
    from backend.errors import ChainError
    from backend.workers.jobs import Job
    from tests.backend.perks_setup import staff_headers

    port = _closed_port()
    rpc_url = f"http://node-user:{BASIC_PASSWORD}@127.0.0.1:{port}/v2/{API_KEY}?apikey={API_KEY}"
    settings = Settings(_env_file=None, environment="test", rpc_url=rpc_url, chain_id=31337, data_dir=tmp_path,
                        database_url=db_url, poll_interval=0.05, jobs_enabled=False)
    caplog.set_level(logging.DEBUG)
    app = create_app(settings)

    def needs_the_chain():
        Chain(rpc_url, timeout=1).head()

    app.add_api_route("/test/chain-call", needs_the_chain)  # an unexpected ChainError: logged with its traceback
    with TestClient(app, raise_server_exceptions=False) as client:
        deadline = time.monotonic() + 10
        while client.get("/health").json()["indexer_error"] is None:  # the indexer thread failed and recorded it
            assert time.monotonic() < deadline
            time.sleep(0.05)
        health = client.get("/health")
        runner = app.state.services.jobs
        runner.jobs.append(Job("chain-job", 60, lambda c: str(Chain(rpc_url, timeout=1).head())))
        runner.run_now(runner.jobs[-1])
        jobs = client.get("/staff/jobs", headers=staff_headers(client, app))
        crashed = client.get("/test/chain-call")
    assert health.status_code == 503 and health.json()["rpc_error"] and health.json()["indexer_error"]
    failed = {j["name"]: j for j in jobs.json()}["chain-job"]
    assert "ConnectionError" in failed["last_error"] and f"127.0.0.1:{port}" in failed["last_error"]
    assert crashed.status_code == 500
    with pytest.raises(ChainError) as raised:
        needs_the_chain()
    said = [health.text, jobs.text, crashed.text, str(raised.value), raised.value.rpc_url, caplog.text,
            *(record.getMessage() for record in caplog.records)]
    assert "Traceback" in caplog.text and any("ChainError" in r.getMessage() or r.exc_info for r in caplog.records)
    leaked = [text for text in said if API_KEY in text or BASIC_PASSWORD in text or "node-user" in text]
    assert leaked == []
    assert raised.value.rpc_url == f"http://127.0.0.1:{port}/***"


def test_health_warns_of_a_key_holding_a_role_it_should_not_without_degrading(settings, chain_with_collection):
    from eth_account import Account
    from pydantic import SecretStr
    from tests.backend.localchain import ANVIL_KEYS

    # `make run`'s issuer: the deployer, also the cards' administrator and pauser.
    def health(client):  # once the app has registered the collections (its indexer does, at start)
        deadline = time.monotonic() + 20
        while not (body := client.get("/health").json())["contracts"] and time.monotonic() < deadline:
            time.sleep(0.1)
        return body

    with TestClient(create_app(settings.model_copy(update={"issuer_key": SecretStr(ANVIL_KEYS[0])}))) as client:
        body = health(client)
    assert not [p for p in body["problems"] if p["code"].startswith("health_key")]  # a warning, not a 503
    admin = Account.from_key(ANVIL_KEYS[0]).address
    card = chain_with_collection.collection.address
    excess = [p for p in body["key_roles"] if p["code"] == "health_key_role_excess" and card in p["message_en"]]
    assert {p["message_en"].split(" holds ")[1].split(" ")[0] for p in excess} == {"DEFAULT_ADMIN_ROLE", "PAUSER_ROLE"}
    assert all(admin in p["message_en"] and admin in p["message_ja"] and "取り消して" in p["message_ja"] for p in excess)

    fresh = Account.create()  # an issuer key with no role at all: ISSUER_ROLE is missing
    with TestClient(create_app(settings.model_copy(update={"issuer_key": SecretStr(fresh.key.hex())}))) as client:
        body = health(client)
    missing = [p for p in body["key_roles"] if card in p["message_en"]]
    assert [p["code"] for p in missing] == ["health_key_role_missing"] and "ISSUER_ROLE" in missing[0]["message_en"]

    with TestClient(create_app(settings)) as client:  # no issuer: nothing to check
        assert health(client)["key_roles"] == []
