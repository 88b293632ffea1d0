"""`make test`'s fuzz step: schemathesis over the backend's whole OpenAPI, as four roles.

Starts `make run`'s stack (tools/run_local.py: anvil, the demo deployment and seed, the backend on SQLite)
on free ports with a data directory of its own, signs in as each role the demo seeds, and runs
schemathesis (its own venv, .venv-fuzz: it needs a newer hypothesis than Brownie's pin) with the
`not_a_server_error` check once per role:

    anonymous   no credentials
    holder      SIWE sign-in with anvil's account 1 (it holds a demo card)
    venue       the demo venue desk (cave-desk)
    staff       the demo admin (a superuser)

The schema is read from the running app, so every route is fuzzed as soon as it exists. Sign-out routes
are left out so each session lasts its run; staff goes last because a superuser may change what the
others rely on (venue accounts, perks). Exits 1 when any run saw a server error (5xx) or could not run.

    .venv/bin/python tools/fuzz.py [--max-examples N] [--max-time SECONDS] [--role ROLE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCHEMATHESIS = ROOT / ".venv-fuzz" / "bin" / "schemathesis"
REPORTS = ROOT / "test-artifacts" / "fuzz"
ROLES = ("anonymous", "holder", "venue", "staff")
# anvil's development account 1: public test key; scripts/demo.py gives it a premium demo card.
HOLDER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
# make run's seeded accounts (backend/demo.py): local demo passwords, development settings only.
STAFF_LOGIN = {"login": "admin", "password": "demo-admin-password"}
VENUE_LOGIN = {"login": "cave-desk", "password": "demo-cave-password"}
SIGN_OUT_PATHS = r"/logout$"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, body: dict | None = None, token: str | None = None, timeout: float = 30):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data, headers, method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


class Stack:
    """tools/run_local.py in a subprocess, stopped with SIGTERM (it stops the backend and anvil)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.rpc_port, self.api_port = free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        self.log_path = data_dir / "run_local.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float) -> None:
        env = {**os.environ, "RESIDENT_DATA_DIR": str(self.data_dir), "RESIDENT_RPC_PORT": str(self.rpc_port),
               "RESIDENT_API_PORT": str(self.api_port), "PYTHONUNBUFFERED": "1"}
        env.setdefault("SOLCX_BINARY_PATH", str(ROOT / ".venv" / "solcx"))
        self.process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "run_local.py")], cwd=ROOT, env=env,
                                        stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not any(line.startswith("Running.") for line in self.log_lines()):
            if self.process.poll() is not None:
                raise RuntimeError(f"run_local.py exited with {self.process.returncode}\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"run_local.py was not ready within {timeout:.0f} s\n{self.log_tail()}")
            time.sleep(0.3)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines() if self.log_path.exists() else []

    def log_tail(self, lines: int = 40) -> str:
        backend_log = self.data_dir / "backend.log"
        backend = backend_log.read_text(errors="replace").splitlines()[-lines:] if backend_log.exists() else []
        return "\n".join(["--- run_local output ---", *self.log_lines()[-lines:], "--- backend.log ---", *backend])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def holder_token(base_url: str, timeout: float) -> str:
    """Signs in as the demo holder the way a wallet front end does (the nonce answer carries the message),
    once the indexer has the holder's card, so card-bound routes get past "no card"."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    account = Account.from_key(HOLDER_KEY)
    deadline = time.monotonic() + timeout
    while not call(f"{base_url}/holders/{account.address}/cards"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the demo holder's card was not indexed within {timeout:.0f} s")
        time.sleep(0.3)
    message = call(f"{base_url}/auth/nonce", {"address": account.address})["message"]
    signature = account.sign_message(encode_defunct(text=message)).signature.hex()
    signature = "0x" + signature.removeprefix("0x")  # eth-account's hex() has no 0x in some versions
    return call(f"{base_url}/auth/siwe", {"message": message, "signature": signature})["token"]


def tokens(base_url: str, timeout: float) -> dict[str, str | None]:
    return {"anonymous": None, "holder": holder_token(base_url, timeout),
            "venue": call(f"{base_url}/venue/login", VENUE_LOGIN)["token"],
            "staff": call(f"{base_url}/staff/login", STAFF_LOGIN)["token"]}


def still_signed_in(base_url: str, role: str, token: str | None) -> bool:
    """Whether the role's session outlived its run (a route that ends sessions would hide the others)."""
    probe = {"holder": "/me", "staff": "/staff/me", "venue": "/venue/redemptions"}.get(role)
    if probe is None:
        return True
    try:
        call(base_url + probe, token=token)
    except urllib.error.HTTPError as exc:
        return exc.code != 401
    return True


def schemathesis_command(base_url: str, role: str, token: str | None, args) -> list[str]:
    command = [str(SCHEMATHESIS), "run", f"{base_url}/openapi.json", "--checks", "not_a_server_error",
               "--exclude-path-regex", SIGN_OUT_PATHS, "--max-examples", str(args.max_examples),
               "--max-time", str(args.max_time), "--phases", args.phases, "--workers", str(args.workers),
               "--request-timeout", "30", "--generation-database", "none", "--no-color",
               # The tokens are of a throwaway local stack: print them, so a failure's curl line replays.
               "--output-sanitize", "false",
               # Its warnings list the operations a role may not use (401/403): expected, and ~100 lines.
               "--warnings", "off",
               "--report", "junit", "--report-junit-path", str(REPORTS / f"{role}.xml")]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    return command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", action="append", choices=ROLES, help="fuzz only these roles (default: all four)")
    parser.add_argument("--max-examples", type=int, default=8, help="generated cases per operation and phase")
    parser.add_argument("--max-time", type=int, default=40, help="seconds each role's run may take")
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    # One worker: with two, Python 3.11's ast.parse (hypothesis describes lambdas with it) races across the
    # threads and fails a run with "SystemError: AST constructor recursion depth mismatch".
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, help="reproduce a run (schemathesis prints its seed)")
    args = parser.parse_args(argv)
    if not SCHEMATHESIS.exists():
        print(f"{SCHEMATHESIS} is missing: `make fuzz` installs it from tools/schemathesis.lock", file=sys.stderr)
        return 1
    REPORTS.mkdir(parents=True, exist_ok=True)
    roles = [role for role in ROLES if role in (args.role or ROLES)]  # staff last, whatever the order asked
    started = time.monotonic()
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="resident-fuzz-") as data:
        stack = Stack(Path(data))
        try:
            stack.start(timeout=240)
            credentials = tokens(stack.base_url, timeout=120)
            # FastAPI builds the OpenAPI document on its first request (many seconds on a busy machine) and
            # keeps it: build it here, so schemathesis's own 10 s load never waits for it.
            call(stack.base_url + "/openapi.json", timeout=120)
            print(f"fuzz: stack up at {stack.base_url} in {time.monotonic() - started:.0f} s", flush=True)
            for role in roles:
                began = time.monotonic()
                print(f"\n=== schemathesis as {role} ===", flush=True)
                code = subprocess.call(schemathesis_command(stack.base_url, role, credentials[role], args), cwd=ROOT)
                if code != 0:
                    failed.append(f"{role} (schemathesis exit {code})")
                elif not still_signed_in(stack.base_url, role, credentials[role]):
                    failed.append(f"{role} (its session ended during the run: exclude the route that ended it)")
                print(f"=== {role}: {'ok' if code == 0 else 'FAILED'} in {time.monotonic() - began:.0f} s ===",
                      flush=True)
        except Exception as exc:  # a stack that does not start is a failed step, with its logs
            failed.append(f"setup: {exc}")
            print(stack.log_tail(), file=sys.stderr)
        finally:
            stack.stop()
            # The backend logs each 500 with its traceback: keep the log once the data directory is gone.
            if (stack.data_dir / "backend.log").exists():
                shutil.copy(stack.data_dir / "backend.log", REPORTS / "backend.log")
    total = time.monotonic() - started
    if failed:
        print(f"\nfuzz FAILED in {total:.0f} s: " + "; ".join(failed)
              + f" (JUnit reports and the backend's log with each traceback in {REPORTS})", file=sys.stderr)
        return 1
    print(f"\nfuzz: no server error for {', '.join(roles)} in {total:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
