"""An airdrop on a rehearsal chain with faults injected (issue 15's Performance; a measurement, not a test).

    python bench/rehearsal.py [--wallets 10000] [--seed 15] [--rpc-fault-rate 0.03] [--json FILE]

Runs tools/rehearsal/run.py's rehearsal (2 s blocks, the fault proxy, the chain's fault schedule, the app's own
airdrop worker) and reports: wall time / (blocks it needs × 2 s), where the blocks it needs are its batch
transactions (one per block at best) — target ≤ 1.5; duplicates, lost and stuck at the end — target 0 each;
gas and fee spend. A 10,000-wallet run takes many minutes: on a shared machine try --wallets 300 first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tables import grid  # noqa: E402
from tools.rehearsal.run import rehearse, report  # noqa: E402

BLOCK_SECONDS = 2.0
WALL_RATIO_TARGET = 1.5


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wallets", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--rpc-fault-rate", type=float, default=0.03)
    parser.add_argument("--chain-fault-every", type=float, default=8.0)
    parser.add_argument("--deadline", type=float, default=3600.0)
    parser.add_argument("--batch-size", type=int, help="at most this many cards per transaction")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = parser.parse_args(argv)
    outcome = rehearse(args.wallets, args.seed, args.rpc_fault_rate, args.chain_fault_every, args.deadline,
                       revocations=0, block_time=BLOCK_SECONDS, batch_size=args.batch_size)
    print(report(outcome))
    blocks = max(outcome.batches, 1)
    wall_ratio = outcome.airdrop_seconds / (blocks * BLOCK_SECONDS)
    results = {
        "wallets": outcome.wallets,
        "duplicates": outcome.count("nobody issued twice"),
        # Lost: a job left unfinished or failed without a reason, or a wallet of a done job with no card.
        "lost": outcome.count("no job lost") + outcome.count("done means on chain"),
        "stuck": outcome.count("nothing stuck"),
        "index_mismatches": outcome.count("index equals chain"),
        "wall_seconds": round(outcome.airdrop_seconds, 1),
        "blocks_needed": blocks,
        "wall_ratio": round(wall_ratio, 2),
        "gas_used": outcome.gas_used,
        "fee_eth": outcome.fee_wei / 10**18,
        "gas_per_card": round(outcome.gas_used / max(outcome.wallets, 1)),
        "rpc_faults": outcome.rpc_faults,
        "chain_faults": [{"at": at, "kind": kind, "value": value, "result": result}
                         for at, kind, value, result in outcome.chain_faults],
    }
    met = wall_ratio <= WALL_RATIO_TARGET and not (results["duplicates"] or results["lost"] or results["stuck"])
    results["targets_met"] = met
    print()
    print(grid([
        ("wallets", "batches", "wall (s)", "wall / (blocks × 2 s)", "duplicates", "lost", "stuck", "gas",
         "fee (ETH)"),
        (f"{outcome.wallets:,}", str(blocks), f"{outcome.airdrop_seconds:.0f}",
         f"{wall_ratio:.2f} (target ≤ {WALL_RATIO_TARGET})", str(results["duplicates"]), str(results["lost"]),
         str(results["stuck"]), f"{outcome.gas_used:,}", f"{results['fee_eth']:.6f}"),
    ]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=float) + "\n", encoding="utf-8")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
