"""The production profile's entry point: gunicorn with uvicorn workers, configured by deploy/gunicorn.conf.py.

    python -m backend.production      (same as: gunicorn -c deploy/gunicorn.conf.py)

`make run` stays the embedded demo (tools/run_local.py). The README's "Production profile" section has the
whole setup: PostgreSQL, these workers, Caddy in front (deploy/Caddyfile), systemd (deploy/systemd/).
"""

from __future__ import annotations

import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


def main(argv: list[str] | None = None) -> None:
    from gunicorn.app.wsgiapp import run

    sys.argv = ["gunicorn", "-c", str(CONFIG), *(sys.argv[1:] if argv is None else argv)]
    run()


if __name__ == "__main__":
    main()
