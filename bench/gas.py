"""Gas of ResidentCard against a plain OpenZeppelin ERC-721, measured in one run.

    python bench/gas.py [--json]

Deploys ResidentCard (soulbound and tradable) and bench/PlainERC721.sol (an
OpenZeppelin ERC721 that only calls `_mint`) on a fresh anvil chain, then
compares the gas used by whole transactions. Targets (issue 2): a batch issue
costs at most 48,500 gas per card to fresh addresses, and a single issue at
most 1.10x the reference's single mint.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.tables import grid  # noqa: E402

BATCH = 100
BATCH_TARGET_PER_CARD = 48_500
SINGLE_TARGET_RATIO = 1.10


def fresh_addresses(start: int, count: int) -> list[str]:
    """Addresses no transaction has touched: no balance slot yet, cold in every access."""
    from eth_utils import keccak, to_checksum_address

    return [to_checksum_address(keccak(b"resident-bench-%d" % i)[:20]) for i in range(start, start + count)]


def compile_reference(config: dict) -> dict:
    """Compiles bench/PlainERC721.sol with the project's own compiler settings."""
    from brownie.project import compiler

    solc = config["compiler"]["solc"]
    source = (ROOT / "bench" / "PlainERC721.sol").read_text()
    build = compiler.compile_and_format(
        {"bench/PlainERC721.sol": source},
        solc_version=str(solc["version"]),
        optimizer=solc["optimizer"],
        evm_version={"Solidity": config["compiler"]["evm_version"]},
        remappings=solc["remappings"],
        viaIR=solc.get("viaIR"),
        allow_paths=str(ROOT),
    )
    return build["PlainERC721"]


def measure() -> list[dict]:
    import yaml
    from brownie import accounts, network, project, web3

    from backend.chain.deployments import load_collection_config

    config = yaml.safe_load((ROOT / "brownie-config.yaml").read_text())
    proj = project.load(ROOT, name="ResidentGasBench")
    proj.load_config()
    network.connect("anvil")
    try:
        admin = accounts[0]
        base = load_collection_config(ROOT / "config" / "demo.yaml")
        soulbound_args = base.constructor_args(admin.address)
        tradable_args = list(soulbound_args)
        tradable_args[4] = False  # policy: tradable
        tradable_args[9] = 500  # 5% royalty

        card = proj.ResidentCard.deploy(soulbound_args, {"from": admin})
        card_deploy = card.tx.gas_used
        tradable = proj.ResidentCard.deploy(tuple(tradable_args), {"from": admin})

        ref_build = compile_reference(config)
        ref_factory = web3.eth.contract(abi=ref_build["abi"], bytecode=ref_build["bytecode"])
        ref_receipt = web3.eth.wait_for_transaction_receipt(ref_factory.constructor().transact({"from": admin.address}))
        ref = web3.eth.contract(address=ref_receipt.contractAddress, abi=ref_build["abi"])

        def ref_tx(fn) -> int:
            return web3.eth.wait_for_transaction_receipt(fn.transact({"from": admin.address})).gasUsed

        addrs = iter(fresh_addresses(0, 10 * BATCH))
        # Warm-up: the first issue also turns the collection's counters from
        # zero to non-zero; every later issue pays the steady-state price.
        card.issue(next(addrs), 0, 0, {"from": admin})
        ref_tx(ref.functions.mint(next(addrs), 1))

        single = card.issue(next(addrs), 0, 0, {"from": admin}).gas_used
        ref_single = ref_tx(ref.functions.mint(next(addrs), 2))
        ref_safe_single = ref_tx(ref.functions.safeMint(next(addrs), 3))

        batch = card.issueBatch([next(addrs) for _ in range(BATCH)], 0, 0, {"from": admin}).gas_used
        ref_batch = ref_tx(ref.functions.mintBatch([next(addrs) for _ in range(BATCH)], 1_000))

        holder = accounts[1]
        tradable.issue(holder, 0, 0, {"from": admin})
        tradable_id = tradable.totalSupply()
        transfer = tradable.transferFrom(holder, next(addrs), tradable_id, {"from": holder}).gas_used
        ref_tx(ref.functions.mint(holder.address, 5_000))
        ref_transfer = web3.eth.wait_for_transaction_receipt(
            ref.functions.transferFrom(holder.address, next(addrs), 5_000).transact({"from": holder.address})
        ).gasUsed

        lost_id = card.issue(accounts[2], 1, 0, {"from": admin}).return_value
        reissue = card.reissue(lost_id, next(addrs), {"from": admin}).gas_used
    finally:
        network.disconnect()

    return [
        row("deploy", card_deploy, ref_receipt.gasUsed),
        row("issue one card (fresh address)", single, ref_single,
            target=f"<= {SINGLE_TARGET_RATIO:.2f}x reference", met=single <= SINGLE_TARGET_RATIO * ref_single),
        row("issue one card vs OZ _safeMint (context)", single, ref_safe_single),
        row(f"issue batch of {BATCH}, per card", batch / BATCH, ref_batch / BATCH,
            target=f"<= {BATCH_TARGET_PER_CARD:,} per card", met=batch / BATCH <= BATCH_TARGET_PER_CARD),
        row("transfer (tradable)", transfer, ref_transfer),
        row("re-issue (lost wallet)", reissue, None),
    ]


def row(operation: str, gas: float, reference: float | None, target: str = "", met: bool | None = None) -> dict:
    return {
        "operation": operation,
        "resident_card": round(gas),
        "reference": None if reference is None else round(reference),
        "ratio": None if reference is None else round(gas / reference, 3),
        "target": target or None,
        "met": met,
    }


def table(rows: list[dict]) -> str:
    head = ("operation", "ResidentCard", "OZ reference", "ratio", "target", "met")
    lines = [head]
    for r in rows:
        lines.append((
            r["operation"],
            f"{r['resident_card']:,}",
            "-" if r["reference"] is None else f"{r['reference']:,}",
            "-" if r["ratio"] is None else f"{r['ratio']:.3f}",
            r["target"] or "",
            "" if r["met"] is None else ("yes" if r["met"] else "NO"),
        ))
    return grid(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    # Brownie reports every transaction on stdout; keep stdout for the results.
    with contextlib.redirect_stdout(sys.stderr):
        rows = measure()
    if args.json:
        print(json.dumps({"gas": rows, "batch_size": BATCH}, indent=2))
    else:
        print(table(rows))
    return 0 if all(r["met"] is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
