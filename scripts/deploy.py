"""Deploy a municipality's ResidentCard collection from a YAML config.

    .venv/bin/python tools/brownie_run.py scripts/deploy.py main config/demo.yaml   (the chain at RESIDENT_RPC_URL)
    brownie run scripts/deploy.py main config/demo.yaml --network <network>           (RESIDENT_RPC_URL set to its URL)

Writes a deployment record (network, chain id, block 0's hash, address, block, ABI) that the
backend reads. Running it again for the same symbol on the same chain reuses
the recorded contract instead of deploying a second collection; a record of another chain with the same
chain id is refused (check_record). A `base_uri` path in the config is joined to Settings.public_url.

Every script here works on one chain: Settings.rpc_url (RESIDENT_RPC_URL, default the port `make run` uses,
RESIDENT_RPC_PORT). `on_settings_chain` refuses to send anything when Brownie is connected elsewhere.

The deploying account is Settings.deployer_key ($RESIDENT_DEPLOYER_KEY, a private key) when set,
otherwise the node's first unlocked account (the local anvil chain).
"""

from __future__ import annotations

from pathlib import Path

import json
import urllib.request
from urllib.parse import urlsplit

from brownie import ResidentCard, accounts, network, web3
from brownie.network.account import Account

from backend.chain.deployments import (CollectionConfig, DeploymentRecord, JsonRecord, check_record, deployments_root,
                                      load_collection_config, record_path)
from backend.chain.redaction import shown_url
from backend.errors import DeploymentRecordError, ResidentError
from backend.settings import Settings


class WrongChainError(ResidentError):
    """Raised when Brownie is connected to another chain than Settings.rpc_url: nothing is sent."""


def data_dir() -> Path:
    """The data directory the scripts write under: the backend's (Settings: RESIDENT_DATA_DIR, default ./data)."""
    return Settings().data_dir


def records_root() -> Path:
    """Where the scripts keep deployment records: <data dir>/deployments."""
    return deployments_root(data_dir())


def _same_url(first: str, second: str) -> bool:
    def key(url: str):
        parts = urlsplit(url.strip().rstrip("/"))
        host = {"localhost": "127.0.0.1", "::1": "127.0.0.1"}.get(parts.hostname or "", parts.hostname)
        return parts.scheme.lower(), host, parts.port, parts.path, parts.query
    return key(first) == key(second)


def _genesis_at(url: str) -> str | None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber", "params": ["0x0", False]})
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)["result"]["hash"].lower()
    except (OSError, ValueError, KeyError, TypeError):
        return None


def genesis_hash() -> str:
    """The hash of the connected chain's block 0: what tells two chains with one chain id apart."""
    return web3.to_hex(web3.eth.get_block(0)["hash"]).lower()


def on_settings_chain() -> None:
    """Refuses (WrongChainError) unless Brownie is connected to Settings.rpc_url's chain (the same URL, or a node
    of the same chain: same chain id and block 0). Each script's main calls it before it sends anything: before,
    `--network development` sent to whatever listened on 8545, not to the stack on RESIDENT_RPC_PORT."""
    wanted, connected = Settings().rpc_url, web3.provider.endpoint_uri
    if _same_url(wanted, connected) or _genesis_at(wanted) == genesis_hash():
        return
    raise WrongChainError(
        f"Brownie is connected to {shown_url(connected)} (--network {network.show_active()}), but this stack's chain "
        f"is {shown_url(wanted)} (RESIDENT_RPC_URL, default http://127.0.0.1:<RESIDENT_RPC_PORT>). Nothing was sent. "
        f"Run the script with `.venv/bin/python tools/brownie_run.py scripts/<script>.py main ...` (it connects to "
        f"RESIDENT_RPC_URL), or set RESIDENT_RPC_URL to the network you mean.\n"
        f"Brownie の接続先（{shown_url(connected)}）が、このシステムのチェーン（{shown_url(wanted)}、RESIDENT_RPC_URL）"
        f"と違います。何も送信していません。`.venv/bin/python tools/brownie_run.py scripts/<スクリプト>.py main ...` で"
        f"実行するか、RESIDENT_RPC_URL を目的のネットワークに設定してください。")


def recorded(kind: type[JsonRecord], path: Path):
    """The record of `kind` at `path` as it stands on the connected chain: None when there is none or its
    contract has no code here (a reset chain); a record written before block 0's hash was kept gets it now.
    Raises ForeignRecordError for a record of another chain with the same chain id."""
    try:
        record = kind.read(path)
    except DeploymentRecordError:
        return None
    checked = check_record(record, path, genesis_hash(), bytes(web3.eth.get_code(record.address)))
    if checked is not None and checked is not record:
        checked.write(path)
    return checked


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
    contract = ResidentCard.deploy(config.constructor_args(account.address, Settings().public_url), {"from": account})
    tx = contract.tx
    record = DeploymentRecord(
        network=network.show_active(),
        chain_id=web3.eth.chain_id,
        contract="ResidentCard",
        address=contract.address,
        deployment_block=tx.block_number,
        deployment_tx=tx.txid,
        genesis_hash=genesis_hash(),
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
    record = recorded(DeploymentRecord, record_path(web3.eth.chain_id, config.collection.symbol,
                                                     records or records_root()))
    return None if record is None else (ResidentCard.at(record.address), record)


def ensure_collection(config: CollectionConfig, account: Account, records: Path | None = None):
    """Returns (contract, record, deployed_now): the recorded collection, or a new one."""
    found = existing_collection(config, records)
    if found:
        return (*found, False)
    return (*deploy_collection(config, account, records), True)


def main(config_path: str = "config/demo.yaml"):
    try:
        on_settings_chain()
        config = load_collection_config(config_path)
        contract, record, deployed_now = ensure_collection(config, deployer())
    except ResidentError as exc:
        raise SystemExit(str(exc)) from None
    verb = "Deployed" if deployed_now else "Already deployed (reused)"
    print(f"{verb}: {config.collection.name} ({record.symbol}) at {record.address} "
          f"on chain {record.chain_id}, block {record.deployment_block}")
    print(f"Record: {record_path(record.chain_id, record.symbol, records_root())}")
    return contract
