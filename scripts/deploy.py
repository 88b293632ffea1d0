"""Deploy a municipality's ResidentCard collection from a YAML config.

    brownie run scripts/deploy.py main config/demo.yaml --network <network>

Writes a deployment record (network, chain id, address, block, ABI) that the
backend reads. Running it again for the same symbol on the same chain reuses
the recorded contract instead of deploying a second collection.

The deploying account is Settings.deployer_key ($RESIDENT_DEPLOYER_KEY, a private key) when set,
otherwise the node's first unlocked account (the local anvil chain).
"""

from __future__ import annotations

from pathlib import Path

from brownie import ResidentCard, accounts, network, web3
from brownie.network.account import Account

from backend.chain.deployments import (CollectionConfig, DeploymentRecord, deployments_root, load_collection_config,
                                      record_path)
from backend.errors import DeploymentRecordError
from backend.settings import Settings


def data_dir() -> Path:
    """The data directory the scripts write under: the backend's (Settings: RESIDENT_DATA_DIR, default ./data)."""
    return Settings().data_dir


def records_root() -> Path:
    """Where the scripts keep deployment records: <data dir>/deployments."""
    return deployments_root(data_dir())


def deployer() -> Account:
    """The account that deploys and, on the demo chain, administers."""
    key = Settings().deployer_key
    if key is not None:
        return accounts.add(key.get_secret_value())
    if not accounts:
        raise SystemExit("No account to deploy with: set RESIDENT_DEPLOYER_KEY to the deployer's private key.")
    return accounts[0]


def deploy_collection(config: CollectionConfig, account: Account, records: Path | None = None):
    """Deploys a new collection and writes its record; returns (contract, record)."""
    contract = ResidentCard.deploy(config.constructor_args(account.address), {"from": account})
    tx = contract.tx
    record = DeploymentRecord(
        network=network.show_active(),
        chain_id=web3.eth.chain_id,
        contract="ResidentCard",
        address=contract.address,
        deployment_block=tx.block_number,
        deployment_tx=tx.txid,
        symbol=config.collection.symbol,
        municipality_name_ja=config.municipality.name_ja,
        municipality_name_en=config.municipality.name_en,
        soulbound=config.soulbound,
        abi=ResidentCard.abi,
    )
    record.write(record_path(record.chain_id, record.symbol, records or records_root()))
    return contract, record


def existing_collection(config: CollectionConfig, records: Path | None = None):
    """The recorded collection for this config on the connected chain, if its code is still there."""
    path = record_path(web3.eth.chain_id, config.collection.symbol, records or records_root())
    try:
        record = DeploymentRecord.read(path)
    except DeploymentRecordError:
        return None
    # A reset chain (its state file deleted) keeps no code at the old address.
    if len(web3.eth.get_code(record.address)) == 0:
        return None
    return ResidentCard.at(record.address), record


def ensure_collection(config: CollectionConfig, account: Account, records: Path | None = None):
    """Returns (contract, record, deployed_now): the recorded collection, or a new one."""
    found = existing_collection(config, records)
    if found:
        return (*found, False)
    return (*deploy_collection(config, account, records), True)


def main(config_path: str = "config/demo.yaml"):
    config = load_collection_config(config_path)
    contract, record, deployed_now = ensure_collection(config, deployer())
    verb = "Deployed" if deployed_now else "Already deployed (reused)"
    print(f"{verb}: {config.collection.name} ({record.symbol}) at {record.address} "
          f"on chain {record.chain_id}, block {record.deployment_block}")
    print(f"Record: {record_path(record.chain_id, record.symbol, records_root())}")
    return contract
