"""Gas of a card's transfers and approvals before and after the native-token check, measured in one run.

    python bench/card_gas.py [--before REV] [--json FILE]

Compiles ResidentCard twice with the project's compiler settings: as it is in the working tree, and as it
was at git revision REV (default: the commit before issue 12, whose payable transfers kept any ETH sent
with them). Deploys both, tradable, on a fresh anvil chain and runs the same sequence on each: the same
holders, the same fresh receivers (a contract's storage is its own, so an address fresh for one is fresh
for the other), the same calldata. What differs is the code alone. Whole-transaction gas.

Then sends 1 wei with a transfer to each: the card before keeps it (for good: it has no way to send it
out); the card after refuses it with `ResidentCardNativeTokenRefused`. Context rows: deploying, and
moving the minter (`setMinter`, one transaction, against the grantRole + revokeRole it replaces).

No gas target: the issue asks for the cost to be measured. Exit 1 when the card after accepts a value
or the card before, unexpectedly, refuses one (then REV is not the code this bench compares against).
The table goes to stdout; Brownie's compiler messages to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.campaign import anvil_chain  # noqa: E402  (the fresh-chain helper of the benches)
from bench.tables import grid  # noqa: E402

# The base of issue 12's contracts work: ResidentCard's four Solady functions still payable and unchecked.
BEFORE = "6b6a3837570d13c98c9173e8186bf718cad8495d"
CARD = "contracts/ResidentCard.sol"
INTERFACES = "contracts/interfaces"
WALLET_CAP = 100
ETHER = 10**18


class BenchError(Exception):
    """The bench could not run, or a version did not behave as it should."""


# ----------------------------------------------------------------------
# Building the two versions
# ----------------------------------------------------------------------


def sources_at(revision: str | None) -> dict[str, str]:
    """ResidentCard.sol and its local interfaces at `revision` (None: the working tree), keyed under a
    folder of their own so that both versions compile from the same relative imports."""
    folder = "after" if revision is None else "before"

    def read(path: str) -> str:
        if revision is None:
            return (ROOT / path).read_text(encoding="utf-8")
        return git("show", f"{revision}:{path}")

    names = ([p.name for p in (ROOT / INTERFACES).glob("*.sol")] if revision is None
             else git("ls-tree", "--name-only", f"{revision}:{INTERFACES}").split())
    sources = {f"{folder}/ResidentCard.sol": read(CARD)}
    sources.update({f"{folder}/interfaces/{name}": read(f"{INTERFACES}/{name}") for name in names})
    return sources


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def compile_card(sources: dict[str, str]) -> dict:
    """ResidentCard's ABI and bytecode, compiled as brownie-config.yaml says (as bench/gas.py does)."""
    import yaml
    from brownie.project import compiler

    config = yaml.safe_load((ROOT / "brownie-config.yaml").read_text())
    solc = config["compiler"]["solc"]
    with contextlib.redirect_stdout(sys.stderr):
        build = compiler.compile_and_format(
            sources,
            solc_version=str(solc["version"]),
            optimizer=solc["optimizer"],
            evm_version={"Solidity": config["compiler"]["evm_version"]},
            remappings=solc["remappings"],
            viaIR=solc.get("viaIR"),
            allow_paths=str(ROOT),
        )
    return {"abi": build["ResidentCard"]["abi"], "bytecode": build["ResidentCard"]["bytecode"]}


# ----------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------


def account(w3, label: str) -> str:
    """An address of its own for `label`, funded and unlocked on anvil (no key needed)."""
    from eth_utils import keccak, to_checksum_address

    address = to_checksum_address(keccak(b"resident-card-gas-" + label.encode())[:20])
    w3.provider.make_request("anvil_setBalance", [address, hex(10**6 * ETHER)])
    w3.provider.make_request("anvil_impersonateAccount", [address])
    return address


def sent(w3, fn, sender: str, value: int = 0) -> dict:
    """The receipt of `fn` sent by `sender` (a fixed gas limit: a refusal is mined, not estimated away)."""
    tx_hash = fn.transact({"from": sender, "value": value, "gas": 1_000_000})
    return w3.eth.wait_for_transaction_receipt(tx_hash)


def measure_one(w3, build: dict, admin: str, holder: str, operator: str) -> dict:
    """Deploys one version and runs the sequence on it; gas by operation, plus what happened to 1 wei."""
    from backend.chain.deployments import load_collection_config
    from eth_utils import keccak, to_checksum_address

    def fresh(n: int) -> str:
        return to_checksum_address(keccak(b"resident-card-gas-fresh-%d" % n)[:20])

    args = list(load_collection_config(ROOT / "config" / "demo.yaml").constructor_args(admin))
    args[4], args[5] = False, WALLET_CAP  # tradable, room for every card of the sequence
    factory = w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
    deployed = w3.eth.wait_for_transaction_receipt(factory.constructor(tuple(args)).transact({"from": admin}))
    card = w3.eth.contract(address=deployed["contractAddress"], abi=build["abi"])
    f = card.functions

    def issue(to: str) -> int:
        receipt = sent(w3, f.issue(to, 0, 0), admin)
        return int.from_bytes(receipt["logs"][0]["topics"][3], "big")  # ERC-721 Transfer's token id

    gas = {"deploy": deployed["gasUsed"]}
    issue(operator)  # warm-up: the counters' slot turns non-zero once, as in bench/gas.py
    first = [issue(holder) for _ in range(6)]
    gas["transferFrom (holder)"] = sent(w3, f.transferFrom(holder, fresh(1), first[0]), holder)["gasUsed"]
    gas["safeTransferFrom (holder, to a wallet)"] = sent(
        w3, f.safeTransferFrom(holder, fresh(2), first[1]), holder)["gasUsed"]
    gas["safeTransferFrom with data (holder, to a wallet)"] = sent(
        w3, f.safeTransferFrom(holder, fresh(3), first[2], b"\x01"), holder)["gasUsed"]
    gas["approve"] = sent(w3, f.approve(operator, first[3]), holder)["gasUsed"]
    gas["transferFrom (approved account)"] = sent(w3, f.transferFrom(holder, fresh(4), first[3]), operator)["gasUsed"]

    balance_before = w3.eth.get_balance(card.address)
    refused = sent(w3, f.transferFrom(holder, fresh(5), first[4]), holder, value=1)
    kept = w3.eth.get_balance(card.address) - balance_before
    owner = f.ownerOf(first[4]).call()

    # Moving the minter: the one call after, the two calls it replaces before (the same end state).
    old_minter, new_minter = fresh(100), fresh(101)
    if any(e.get("name") == "setMinter" for e in build["abi"]):
        sent(w3, f.setMinter(old_minter), admin)
        gas["move the minter"] = sent(w3, f.setMinter(new_minter), admin)["gasUsed"]
    else:
        role = f.ISSUER_ROLE().call()
        sent(w3, f.grantRole(role, old_minter), admin)
        gas["move the minter"] = (sent(w3, f.grantRole(role, new_minter), admin)["gasUsed"]
                                  + sent(w3, f.revokeRole(role, old_minter), admin)["gasUsed"])
    return {"gas": gas, "value_sent": 1, "value_kept": kept, "value_tx_status": refused["status"],
            "card_moved": owner != holder, "address": card.address}


def measure(before_revision: str) -> dict:
    from web3 import Web3

    builds = {"before": compile_card(sources_at(before_revision)), "after": compile_card(sources_at(None))}
    with anvil_chain() as (url, _):
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60}))
        admin, holder, operator = (account(w3, name) for name in ("admin", "holder", "operator"))
        runs = {name: measure_one(w3, build, admin, holder, operator) for name, build in builds.items()}
    return {"before_revision": before_revision, **runs}


def rows(result: dict) -> list[dict]:
    before, after = result["before"]["gas"], result["after"]["gas"]
    return [{"operation": op, "before": before[op], "after": after[op], "difference": after[op] - before[op]}
            for op in before]


def table(result: dict) -> str:
    head = ("operation", "before", "after", "difference")
    lines = [head] + [(r["operation"], f"{r['before']:,}", f"{r['after']:,}", f"{r['difference']:+,}")
                      for r in rows(result)]
    for name in ("before", "after"):
        run = result[name]
        what = (f"kept {run['value_kept']} wei, card moved" if run["value_tx_status"] == 1
                else "refused (ResidentCardNativeTokenRefused), card stayed")
        lines.append((f"transferFrom with 1 wei: {name}", what, "", ""))
    return grid(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REV", default=BEFORE, help="git revision of the card before")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    try:
        result = measure(args.before)
    except BenchError as exc:
        print(f"card_gas: {exc}", file=sys.stderr)
        return 1
    result["rows"] = rows(result)
    print(f"ResidentCard at {args.before[:12]} (before) and in the working tree (after), tradable, one anvil chain")
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    before, after = result["before"], result["after"]
    ok = after["value_tx_status"] == 0 and not after["card_moved"] and before["value_tx_status"] == 1
    if not ok:
        print("card_gas: the card after must refuse value and the card before accept it", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
