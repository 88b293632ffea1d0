"""`make run`: the local stack on the embedded defaults.

Starts an anvil chain whose state persists in the data directory, deploys the
demo collection once and issues its demo cards the first time, prints where
everything is, and keeps the chain running until Ctrl-C (the chain state is
saved then, and every few seconds meanwhile).

Settings (environment): RESIDENT_DATA_DIR (default ./data), RESIDENT_RPC_PORT
(default 8545).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.deployment import data_dir  # noqa: E402

CHAIN_ID = 31337
STATE_SAVE_SECONDS = 5


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def rpc(url: str, method: str, params: list | None = None):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=2) as response:
        return json.load(response)["result"]


def start_chain(port: int, state_file: Path) -> subprocess.Popen:
    anvil = shutil.which("anvil")
    if anvil is None:
        raise SystemExit("anvil is not installed: run `make run` (it installs it) rather than this script.")
    state_file.parent.mkdir(parents=True, exist_ok=True)
    log = open(state_file.parent / "anvil.log", "ab")
    return subprocess.Popen(
        [anvil, "--port", str(port), "--chain-id", str(CHAIN_ID), "--accounts", "10",
         "--block-base-fee-per-gas", "0", "--state", str(state_file),
         "--state-interval", str(STATE_SAVE_SECONDS)],
        stdout=log, stderr=subprocess.STDOUT,
    )


def wait_for_chain(url: str, process: subprocess.Popen, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"anvil stopped at start (exit {process.returncode}); see its log in the data directory.")
        try:
            return int(rpc(url, "eth_chainId"), 16)
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"anvil did not answer at {url} within {seconds:.0f} s")


def setup_demo(url: str):
    """Deploys (or reuses) the demo collection and its cards through Brownie."""
    from brownie import network, project, run
    from brownie._config import CONFIG

    # Brownie 1.22 warns about its own internal calls, and about attaching to
    # a chain that already has blocks, which is what a resumed chain is.
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message="Development network has a block height")

    proj = project.load(ROOT, name="ResidentLocal")
    proj.load_config()
    host, port = url.rsplit(":", 1)
    # A development network of this run's own: Brownie finds our anvil
    # listening on the port and attaches to it (unlocked accounts, no
    # deployment artifacts) instead of launching one.
    CONFIG.networks["resident-local"] = {
        "id": "resident-local", "name": "resident local chain", "cmd": "anvil", "host": host,
        "cmd_settings": {"port": int(port)},
    }
    network.connect("resident-local")
    try:
        return run(str(ROOT / "scripts" / "demo.py"), "main", project=proj)
    finally:
        network.disconnect(kill_rpc=False)  # the chain is ours to stop, on Ctrl-C


def interrupt(signum, frame):
    """SIGTERM (a service manager stopping us) ends the run as Ctrl-C does."""
    raise KeyboardInterrupt


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # anvil saves its state on SIGINT
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    port = int(os.environ.get("RESIDENT_RPC_PORT", "8545"))
    url = f"http://127.0.0.1:{port}"
    data = data_dir()
    state_file = data / "chain" / "anvil-state.json"
    if port_in_use(port):
        print(f"Port {port} is already in use. Stop what runs there (an earlier `make run`?) "
              f"or choose another port: RESIDENT_RPC_PORT=8555 make run", file=sys.stderr)
        return 1

    resumed = state_file.exists()
    chain = start_chain(port, state_file)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        chain_id = wait_for_chain(url, chain)
        print(f"Local chain: {url} (chain id {chain_id}), "
              + ("state resumed from " if resumed else "new state in ") + str(state_file))
        setup_demo(url)
        print()
        print(f"Data directory: {data}")
        print(f"Chain RPC:      {url}")
        print("Running. Press Ctrl-C to stop; the chain state is saved and reused next time.", flush=True)
        while chain.poll() is None:
            time.sleep(0.5)
        print(f"anvil exited ({chain.returncode}); see {state_file.parent / 'anvil.log'}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping; saving chain state...", flush=True)
        return 0
    finally:
        stop(chain)


if __name__ == "__main__":
    sys.exit(main())
