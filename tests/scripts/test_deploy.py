"""scripts/deploy.py and scripts/demo.py against a real chain."""

import json

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
