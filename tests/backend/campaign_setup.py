"""Helpers for campaign API tests: deploy a real ResidentMinter for a test collection, write CSVs, send a
holder's claim transaction with its own key, and wait for an airdrop job."""

from __future__ import annotations

import json
import time

from backend.chain.deployments import MinterRecord, minter_record_path
from tests.backend.localchain import ROOT

ZERO = "0x" + "00" * 20


def deploy_minter(chain, collection) -> MinterRecord:
    """Deploys a ResidentMinter for `collection` (admin and voucher signer: anvil account 0, the backend's
    issuer key in these tests), makes it the card's minter and records it as scripts/campaign.py does."""
    path = ROOT / "build" / "contracts" / "ResidentMinter.json"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `brownie compile` (or `make compile`) first")
    art = json.loads(path.read_text())
    factory = chain.web3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    tx = factory.constructor(collection.address, chain.admin, ZERO).transact({"from": chain.admin})
    receipt = chain.web3.eth.wait_for_transaction_receipt(tx)
    address = receipt["contractAddress"]
    card = collection.contract
    chain.send(card.functions.setMinter(address), chain.admin)
    record = MinterRecord(network="test", chain_id=chain.web3.eth.chain_id, address=address,
                          deployment_block=receipt["blockNumber"], deployment_tx="0x" + tx.hex().removeprefix("0x"),
                          symbol=collection.record.symbol, collection=collection.address, abi=art["abi"])
    record.write(minter_record_path(record.chain_id, record.symbol, chain.deployments_dir))
    return record


def csv_bytes(text: str, encoding: str = "utf-8-sig") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def send_as(chain, account, tx: dict) -> dict:
    """Signs `tx` ({to, data, value hex}) with the holder's own key and sends it, as a wallet would."""
    web3 = chain.web3
    full = {"from": account.address, "to": tx["to"], "data": tx["data"], "value": int(tx["value"], 16),
            "nonce": web3.eth.get_transaction_count(account.address), "chainId": web3.eth.chain_id,
            "gasPrice": web3.eth.gas_price}
    full["gas"] = web3.eth.estimate_gas(full)
    signed = account.sign_transaction(full)
    receipt = web3.eth.wait_for_transaction_receipt(web3.eth.send_raw_transaction(signed.raw_transaction), timeout=30)
    assert receipt["status"] == 1
    return receipt


def wait_for_job(client, job_id: int, headers: dict, timeout: float = 60.0, until=("done", "failed")) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/staff/airdrops/{job_id}", headers=headers).json()
        if job["status"] in until:
            return job
        assert time.monotonic() < deadline, f"airdrop job still {job['status']}: {job}"
        time.sleep(0.1)
