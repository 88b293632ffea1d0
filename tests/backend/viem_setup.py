"""viem (npm), run by Node, as the independent signing client of the backend tests
(tests/backend/chain/viem_signer.mjs), and the test wallet factory for ERC-6492 signatures."""

from __future__ import annotations

import json
import os
import subprocess

from tests.backend.localchain import ROOT

SCRIPT = ROOT / "tests" / "backend" / "chain" / "viem_signer.mjs"
SALT = "0x" + "00" * 31 + "07"


def viem(*ops: dict) -> list:
    """Run ops through viem in Node; one result per op."""
    done = subprocess.run(["node", str(SCRIPT)], input=json.dumps({"ops": list(ops)}), capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=os.environ)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["results"]


def key_of(account) -> str:
    return "0x" + bytes(account.key).hex()


def deploy(local, name: str, *args) -> str:
    art = json.loads((ROOT / "build" / "contracts" / f"{name}.json").read_text())
    contract = local.web3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    tx = contract.constructor(*args).transact({"from": local.admin})
    return local.web3.eth.wait_for_transaction_receipt(tx)["contractAddress"]


def factory_contract(local, address: str):
    art = json.loads((ROOT / "build" / "contracts" / "ERC1271WalletFactory.json").read_text())
    return local.web3.eth.contract(address=address, abi=art["abi"])


def counterfactual_signature(factory, owner, op: dict) -> tuple[str, str]:
    """(the undeployed wallet of `owner`, viem's ERC-6492 wrapper of `op` signed by `owner`)."""
    wallet = factory.functions.addressOf(owner.address, bytes.fromhex(SALT[2:])).call()
    inner, data = viem({**op, "key": key_of(owner)}, {"op": "factoryData", "owner": owner.address, "salt": SALT})
    (wrapped,) = viem({"op": "wrap6492", "factory": factory.address, "data": data, "signature": inner})
    return wallet, wrapped
