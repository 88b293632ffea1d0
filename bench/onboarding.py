"""Onboarding without a wallet: what a passkey resident account costs to make.

    brownie compile && python bench/onboarding.py [--json FILE]

Deploys ResidentAccountFactory (from Brownie's build/contracts) on a fresh anvil chain, then
measures the gas of a passkey account made as an EIP-1167 clone (`createAccount`, what the
municipality pays per resident) beside a full deployment of the same ResidentAccount code.
Target (issue 14): clone ≤ 150,000 gas. Exit 1 when it is above. Later rows of issue 14's table
(sponsored claims, sign-in latency, first visit → card) are not measured here yet.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.campaign import anvil_chain  # noqa: E402
from bench.tables import grid  # noqa: E402

CLONE_TARGET = 150_000


def artifact(name: str) -> dict:
    path = ROOT / "build" / "contracts" / f"{name}.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `brownie compile` first")
    return json.loads(path.read_text())


def measure(url: str) -> dict:
    from cryptography.hazmat.primitives.asymmetric import ec
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(url))
    sender = w3.eth.accounts[0]

    def deploy(name: str):
        build = artifact(name)
        contract = w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
        receipt = w3.eth.wait_for_transaction_receipt(contract.constructor().transact({"from": sender}))
        return w3.eth.contract(address=receipt.contractAddress, abi=build["abi"]), receipt.gasUsed

    factory, factory_gas = deploy("ResidentAccountFactory")
    _, full_gas = deploy("ResidentAccount")
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    key = (numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big"))
    receipt = w3.eth.wait_for_transaction_receipt(factory.functions.createAccount(*key).transact({"from": sender}))
    again = w3.eth.wait_for_transaction_receipt(factory.functions.createAccount(*key).transact({"from": sender}))
    return {
        "clone_deploy_gas": receipt.gasUsed,
        "full_deploy_gas": full_gas,
        "create_existing_gas": again.gasUsed,
        "factory_deploy_gas": factory_gas,
        "clone_target_gas": CLONE_TARGET,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to FILE")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        url, _ = stack.enter_context(anvil_chain())
        figures = measure(url)
    ratio = figures["full_deploy_gas"] / figures["clone_deploy_gas"]
    print(grid([
        ("figure", "gas", "target"),
        ("passkey account, clone (createAccount)", f"{figures['clone_deploy_gas']:,}", f"≤ {CLONE_TARGET:,}"),
        ("passkey account, full deployment", f"{figures['full_deploy_gas']:,}", f"{ratio:.1f}× the clone"),
        ("createAccount when it exists", f"{figures['create_existing_gas']:,}", "-"),
        ("factory (once per chain)", f"{figures['factory_deploy_gas']:,}", "-"),
    ]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["clone_deploy_gas"] <= CLONE_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
