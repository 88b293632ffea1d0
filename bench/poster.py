"""How long a campaign's A4 poster takes to render (PDF and PNG), and the sheet of claim-link slips: a measurement.

    python bench/poster.py [--runs 15] [--links 40] [--json FILE]

Each kind is rendered `--runs` times in this process after one warm-up (fonts are loaded once and kept,
as in the backend), the way GET /staff/municipalities/{id}/campaigns/{id}/poster.{pdf,png} and
claim-links.pdf render it (backend/campaigns/poster.py). Prints p50 and the slowest run, in milliseconds.
Target: a poster under 1 s (a console download), p50.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.campaigns.poster import PosterText, poster_pdf, poster_png, sheet_pdf  # noqa: E402
from bench.tables import grid  # noqa: E402

TARGET_MS = 1000
URL = "http://127.0.0.1:8000/claim#" + "x" * 43  # a claim link: 32 random bytes, URL-safe base64


def measure(render, runs: int) -> dict:
    size = len(render())  # warm-up: the fonts' first load is not a request's cost
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1), "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--links", type=int, default=40, help="slips on the claim-link sheet (8 per page)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    words = PosterText("長岡市山古志", "Yamakoshi, Nagaoka", "秋の移住キャンペーン", "Autumn move-in drive", URL)
    urls = [f"{URL[:-4]}{i:04d}" for i in range(args.links)]
    results = {
        "poster.pdf": measure(lambda: poster_pdf(words), args.runs),
        "poster.png": measure(lambda: poster_png(words), args.runs),
        f"claim-links.pdf ({args.links} links)": measure(lambda: sheet_pdf(words, urls), args.runs),
    }
    print(f"{args.runs} runs each, after one warm-up")
    print(grid([("file", "p50 (ms)", "slowest (ms)", "size (KB)")] +
               [(name, f"{r['p50_ms']:.0f}", f"{r['max_ms']:.0f}", f"{r['bytes'] / 1024:.0f}")
                for name, r in results.items()]))
    ok = all(results[k]["p50_ms"] < TARGET_MS for k in ("poster.pdf", "poster.png"))
    print(f"target (poster p50 < {TARGET_MS} ms):", "met" if ok else "MISSED")
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": args.runs, "target_ms": TARGET_MS, "results": results},
                                              indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
