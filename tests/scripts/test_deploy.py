"""scripts/deploy.py and scripts/demo.py against a real chain."""

import json

import pytest

from brownie import accounts, web3

from backend.chain.deployments import DeploymentRecord, load_collection_config, record_path
from scripts import demo, deploy


def test_deploy_writes_a_record_the_backend_can_read(data_dir):
    config = load_collection_config(demo.DEMO_CONFIG)
    contract, record = deploy.deploy_collection(config, accounts[0])
    path = record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root())
    assert path.is_relative_to(data_dir)
    stored = DeploymentRecord.read(path)
    assert stored == record
    assert stored.address == contract.address
    assert stored.chain_id == web3.eth.chain_id
    assert stored.deployment_block == contract.tx.block_number
    assert stored.municipality_name_ja == "美祢市"
    assert any(item.get("name") == "issueBatch" for item in stored.abi)
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


def test_deployed_collection_follows_config(data_dir):
    config = load_collection_config(demo.DEMO_CONFIG)
    contract, _ = deploy.deploy_collection(config, accounts[0])
    assert contract.symbol() == "MINEDEMO"
    assert contract.soulbound() is True
    assert contract.maxCardsPerWallet() == 1
    assert contract.hasRole(contract.DEFAULT_ADMIN_ROLE(), accounts[0])


def test_second_run_reuses_the_deployment(data_dir):
    first = deploy.main(str(demo.DEMO_CONFIG))
    second = deploy.main(str(demo.DEMO_CONFIG))
    assert first.address == second.address


def test_record_without_code_on_chain_leads_to_a_new_deployment(data_dir):
    config = load_collection_config(demo.DEMO_CONFIG)
    _, record = deploy.deploy_collection(config, accounts[0])
    gone = DeploymentRecord(**{**record.__dict__, "address": "0x000000000000000000000000000000000000dEaD"})
    gone.write(record_path(record.chain_id, record.symbol, deploy.records_root()))
    contract, _, deployed_now = deploy.ensure_collection(config, accounts[0])
    assert deployed_now is True
    assert contract.address != gone.address


def test_demo_issues_cards_once(data_dir):
    contract = demo.main()
    holders = [a.address for a in demo.demo_holders()]
    assert [contract.ownerOf(t) for t in (1, 2, 3)] == holders
    assert contract.cardOf(1)["tier"] == demo.PREMIUM
    again = demo.main()
    assert again.address == contract.address
    assert again.totalSupply() == 3


def test_the_record_names_the_chains_block_0_and_the_base_uri_follows_the_public_url(data_dir, monkeypatch):
    monkeypatch.setenv("RESIDENT_PUBLIC_URL", "http://127.0.0.1:8017")
    contract = deploy.main(str(demo.DEMO_CONFIG))
    record = DeploymentRecord.read(record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()))
    assert record.genesis_hash == web3.to_hex(web3.eth.get_block(0)["hash"])
    contract.issue(accounts[1], 0, 0, {"from": accounts[0]})
    assert contract.tokenURI(1) == "http://127.0.0.1:8017/metadata/MINEDEMO/1"


def test_a_record_of_another_chain_with_the_same_id_is_refused(data_dir):
    first = deploy.main(str(demo.DEMO_CONFIG))
    path = record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root())
    stored = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**stored, "genesis_hash": "0x" + "11" * 32}), encoding="utf-8")
    # The address has code here (addresses follow the deployer's nonce, on every chain): still not this chain's.
    assert len(web3.eth.get_code(first.address)) > 0
    nonce = accounts[0].nonce
    with pytest.raises(SystemExit) as refused:
        deploy.main(str(demo.DEMO_CONFIG))
    assert f"another chain with the same chain id {web3.eth.chain_id}" in str(refused.value)
    assert "別のチェーン" in str(refused.value) and "MINEDEMO.json.old" in str(refused.value)
    assert accounts[0].nonce == nonce  # nothing sent


def test_a_record_from_before_block_0_was_kept_is_reused_and_given_it(data_dir):
    first = deploy.main(str(demo.DEMO_CONFIG))
    path = record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root())
    stored = json.loads(path.read_text(encoding="utf-8"))
    del stored["genesis_hash"]
    path.write_text(json.dumps(stored), encoding="utf-8")
    assert deploy.main(str(demo.DEMO_CONFIG)).address == first.address
    assert DeploymentRecord.read(path).genesis_hash == web3.to_hex(web3.eth.get_block(0)["hash"])


def test_brownie_on_another_chain_than_the_settings_sends_nothing(data_dir, monkeypatch):
    # What `--network development` did while the stack ran on RESIDENT_RPC_PORT: sent to whatever was on 8545.
    monkeypatch.setenv("RESIDENT_RPC_URL", "http://127.0.0.1:9")
    nonce = accounts[0].nonce
    with pytest.raises(SystemExit) as refused:
        deploy.main(str(demo.DEMO_CONFIG))
    assert "Nothing was sent" in str(refused.value) and "tools/brownie_run.py" in str(refused.value)
    assert "何も送信していません" in str(refused.value)
    assert accounts[0].nonce == nonce
    assert not record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()).exists()


def test_demo_on_a_resumed_chain_follows_a_new_public_url(data_dir, monkeypatch):
    monkeypatch.setenv("RESIDENT_PUBLIC_URL", "http://127.0.0.1:8000")
    contract = demo.main()
    monkeypatch.setenv("RESIDENT_PUBLIC_URL", "http://127.0.0.1:8010")  # `make run` again, on another API port
    demo.main()
    assert contract.tokenURI(1) == "http://127.0.0.1:8010/metadata/MINEDEMO/1"
