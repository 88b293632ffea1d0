"""Gas of a sponsored claim (`claimFor`, the request signed by an EOA) against a direct claim, in one run.

    python bench/sponsored.py [--json FILE]

Deploys ResidentCard and ResidentMinter on a fresh anvil chain (Brownie's `anvil` network), opens one free
campaign, warms it with a first claim (its counters turn from zero to non-zero once), then measures whole
transactions: a resident claiming for themselves and paying, and a relayer sending a resident's signed
claim request (the resident holds no native token). Each claim goes to a fresh address. Target (issue 14):
a sponsored claim costs at most 1.10x a direct claim.
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

TARGET_RATIO = 1.10
ROUNDS = 5
ZERO = "0x" + "00" * 20


def measure() -> dict:
    from brownie import accounts, chain, network, project, web3
    from eth_account import Account

    from backend.campaigns import claim_requests
    from backend.chain.deployments import load_collection_config

    proj = project.load(ROOT, name="ResidentSponsoredBench")
    proj.load_config()
    network.connect("anvil")
    try:
        admin, relayer = accounts[0], accounts[1]
        card = proj.ResidentCard.deploy(load_collection_config(ROOT / "config" / "demo.yaml").constructor_args(admin.address, "http://localhost:8000"),
                                        {"from": admin})
        minter = proj.ResidentMinter.deploy(card, admin, ZERO, {"from": admin})
        card.setMinter(minter, {"from": admin})
        now = chain.time()
        settings = (now - 60, now + 30 * 86_400, 0, 1_000, 1, 0, 0, 0, "0x" + "00" * 32, False, False)
        campaign_id = minter.createCampaign(settings, {"from": admin}).return_value
        domain = claim_requests.domain_of(minter)

        def direct() -> int:
            holder = accounts.add()
            admin.transfer(holder, 10**17)
            return minter.claim(campaign_id, 1, [], claim_requests.CAMPAIGN_PRICE, 0, {"from": holder}).gas_used

        def sponsored() -> int:
            resident = Account.create()
            request = claim_requests.ClaimRequest(recipient=resident.address, campaign_id=campaign_id, quantity=1,
                                                  nonce=0, deadline=chain.time() + 3600)
            signature = claim_requests.sign_request(domain, request, resident.key)
            assert web3.eth.get_balance(resident.address) == 0
            return minter.claimFor(request.as_tuple(), signature, [], {"from": relayer}).gas_used

        direct()  # warm-up
        directs = [direct() for _ in range(ROUNDS)]
        sponsoreds = [sponsored() for _ in range(ROUNDS)]
    finally:
        network.disconnect()
    d, s = max(directs), max(sponsoreds)
    return {"direct_claim_gas": d, "sponsored_claim_gas": s, "ratio": round(s / d, 3),
            "target_ratio": TARGET_RATIO, "met": s <= TARGET_RATIO * d, "rounds": ROUNDS}


def table(result: dict) -> str:
    return grid([
        ("figure", "gas", "ratio", "target", "met"),
        ("direct claim (free campaign, fresh wallet pays)", f"{result['direct_claim_gas']:,}", "1.000", "", ""),
        ("sponsored claim (claimFor, EOA-signed request)", f"{result['sponsored_claim_gas']:,}",
         f"{result['ratio']:.3f}", f"<= {TARGET_RATIO:.2f}x", "yes" if result["met"] else "NO"),
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = parser.parse_args(argv)
    with contextlib.redirect_stdout(sys.stderr):  # Brownie reports every transaction on stdout
        result = measure()
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
