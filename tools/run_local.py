"""`make run`: the local stack on the embedded defaults.

Starts an anvil chain whose state persists in the data directory, deploys the
demo collection once and issues its demo cards the first time, then starts the
backend (uvicorn on 127.0.0.1:<RESIDENT_API_PORT>, database and index in the data
directory) with the demo municipality's perks, venue and accounts, prints where
everything is, and keeps both running until Ctrl-C (the chain state is saved
then, and every few seconds meanwhile).

Settings (backend/settings.py, so environment or `.env`): RESIDENT_DATA_DIR (default ./data),
RESIDENT_RPC_PORT (default 8545), RESIDENT_API_PORT (default 8000), RESIDENT_DATABASE_URL,
RESIDENT_DEMO_HISTORY (default true: a new chain gets a year of demo history, marked as demo data). The
chain's URL and the public URL are Settings.rpc_url and Settings.public_url (by default 127.0.0.1 on those
ports): the scripts, the printed hints and the demo collection's base URI (so its tokenURI) all follow them.
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
import urllib.error
import urllib.request
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.db.session import shown_url  # noqa: E402
from backend.settings import ANVIL_DEV_KEY, DEV_CHAIN_KEYS, Settings  # noqa: E402
from tools.brownie_run import run_script  # noqa: E402

CHAIN_ID = 31337
STATE_SAVE_SECONDS = 5
DEMO_SYMBOL = "MINEDEMO"


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def rpc(url: str, method: str, params: list | None = None):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=2) as response:
        return json.load(response)["result"]


def start_chain(port: int, state_file: Path, genesis_time: int | None = None) -> subprocess.Popen:
    """Starts anvil; `genesis_time` (a new chain only) puts its first block in the past, so scripts/demo.py can
    issue the demo history into blocks with past times (the chain's clock comes back to now after it)."""
    anvil = shutil.which("anvil")
    if anvil is None:
        raise SystemExit("anvil is not installed: run `make run` (it installs it) rather than this script.")
    state_file.parent.mkdir(parents=True, exist_ok=True)
    log = open(state_file.parent / "anvil.log", "ab")
    return subprocess.Popen(
        [anvil, "--port", str(port), "--chain-id", str(CHAIN_ID), "--accounts", "10",
         "--block-base-fee-per-gas", "0", "--state", str(state_file),
         "--state-interval", str(STATE_SAVE_SECONDS),
         *(["--timestamp", str(genesis_time)] if genesis_time is not None else [])],
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


def setup_demo(url: str, history: bool = False):
    """Deploys (or reuses) the demo collection and its cards (and their year of history) through Brownie,
    attached to our chain."""
    return run_script(url, str(ROOT / "scripts" / "demo.py"), args=(history,))


def deploy_account_factory(url: str) -> str:
    """Deploys the passkey accounts' factory (contracts/accounts, compiled by setup_demo's Brownie run) from
    anvil's first account; its address. A fresh one each start: it holds nothing, accounts are clones."""
    from web3 import Web3

    build = json.loads((ROOT / "build" / "contracts" / "ResidentAccountFactory.json").read_text())
    w3 = Web3(Web3.HTTPProvider(url))
    contract = w3.eth.contract(abi=build["abi"], bytecode=build["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(contract.constructor().transact({"from": w3.eth.accounts[0]}))
    return receipt.contractAddress


def backend_settings(local: Settings, rpc_url: str, chain_id: int) -> Settings:
    """The backend's settings for this run: the local ones (their public URL, by default this run's API port),
    pointing at this run's chain."""
    return local.model_copy(update={
        "environment": "development", "rpc_url": rpc_url, "chain_id": chain_id,
        # The deployer (anvil's first account) holds ISSUER_ROLE on the demo card; the eighth account, no role,
        # pays for sponsored claims (the tests' holders and recipients use the others).
        "issuer_key": SecretStr(ANVIL_DEV_KEY), "relayer_key": SecretStr("0x" + DEV_CHAIN_KEYS[7])})


def backend_env(settings: Settings) -> dict:
    """The environment the backend process starts with: ours, plus its settings as RESIDENT_* variables."""
    return {**os.environ, "RESIDENT_ENVIRONMENT": settings.environment, "RESIDENT_DATA_DIR": str(settings.data_dir),
            "RESIDENT_RPC_URL": settings.rpc_url, "RESIDENT_CHAIN_ID": str(settings.chain_id),
            "RESIDENT_PUBLIC_URL": settings.public_url, "RESIDENT_SIWE_DOMAIN": settings.siwe_domain,
            "RESIDENT_DATABASE_URL": settings.database_url, "PYTHONPATH": str(ROOT),
            "RESIDENT_ISSUER_KEY": settings.issuer_key.get_secret_value(),
            "RESIDENT_RELAYER_KEY": settings.relayer_key.get_secret_value(),
            "RESIDENT_ACCOUNT_FACTORY_ADDRESS": settings.account_factory_address}


def prepare_backend(settings: Settings, history: bool = False) -> list[str]:
    """Migrates the database, registers the demo collection and seeds the demo data (if the
    perks module provides `backend.demo.seed`); returns the lines the seed asks to print."""
    import importlib

    from backend.db import make_engine, migrate, session_factory
    from backend.chain.deployments import record_path, register_deployments

    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        sessions = session_factory(engine)
        with sessions() as session:
            register_deployments(session, settings.deployments_dir, settings.chain_id)
            session.commit()
        try:
            demo = importlib.import_module("backend.demo")
        except ModuleNotFoundError as exc:
            if exc.name != "backend.demo":
                raise
            return []
        seeded = demo.seed(sessions, settings, record_path(settings.chain_id, DEMO_SYMBOL,
                                                           settings.data_dir / "deployments"), history=history)
    finally:
        engine.dispose()
    if seeded is None:
        return []
    if hasattr(seeded, "summary"):
        return seeded.summary().splitlines()
    if isinstance(seeded, str):
        return seeded.splitlines()
    if isinstance(seeded, dict):
        return [f"{key}: {value}" for key, value in seeded.items()]
    return [str(line) for line in seeded]


def start_backend(env: dict, api_port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "ab")
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(api_port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        # Its own session: a terminal's Ctrl-C reaches only us, and we stop it once, with SIGTERM
        # (uvicorn re-raises the signal it stopped on; SIGINT would print a KeyboardInterrupt).
        start_new_session=True,
    )


def stop_backend(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for_backend(url: str, process: subprocess.Popen, log_path: Path, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the backend stopped at start (exit {process.returncode}); see {log_path}")
        try:  # live first: /health itself answers 503 while the index catches up
            with urllib.request.urlopen(url + "/health/live", timeout=2):
                pass
        except OSError:
            time.sleep(0.2)
            continue
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            return json.load(exc)
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the backend did not answer at {url} within {seconds:.0f} s; see {log_path}")


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
    local = Settings()
    port, api_port = local.rpc_port, local.api_port
    url = local.rpc_url
    api_url = local.public_url
    if url != f"http://127.0.0.1:{port}":
        # Our chain listens on RESIDENT_RPC_PORT; the scripts and the backend go where RESIDENT_RPC_URL says.
        print(f"RESIDENT_RPC_URL names another chain than the one `make run` starts on RESIDENT_RPC_PORT={port}: "
              f"unset RESIDENT_RPC_URL (or set it to http://127.0.0.1:{port}).\n"
              f"RESIDENT_RPC_URL が `make run` の起動するチェーン（RESIDENT_RPC_PORT={port}）と違います。"
              f"RESIDENT_RPC_URL を外してください。", file=sys.stderr)
        return 1
    data = local.data_dir
    state_file = data / "chain" / "anvil-state.json"
    data.mkdir(mode=0o700, parents=True, exist_ok=True)  # the database, chain state and journals: this user's
    for busy, variable, other in ((port, "RESIDENT_RPC_PORT", 8555), (api_port, "RESIDENT_API_PORT", 8010)):
        if port_in_use(busy):
            print(f"Port {busy} is already in use. Stop what runs there (an earlier `make run`?) "
                  f"or choose another port: {variable}={other} make run", file=sys.stderr)
            return 1

    resumed = state_file.exists()
    history = local.seeds_demo_history
    from backend.demo_history import genesis_time

    chain = start_chain(port, state_file, None if resumed or not history else genesis_time(time.time()))
    backend = None
    signal.signal(signal.SIGTERM, interrupt)
    try:
        chain_id = wait_for_chain(url, chain)
        print(f"Local chain: {url} (chain id {chain_id}), "
              + ("state resumed from " if resumed else "new state in ") + str(state_file))
        setup_demo(url, history)
        settings = backend_settings(local, url, chain_id)
        if not settings.account_factory_address:
            settings = settings.model_copy(update={"account_factory_address": deploy_account_factory(url)})
        seed_lines = prepare_backend(settings, history)
        backend_log = data / "backend.log"
        backend = start_backend(backend_env(settings), api_port, backend_log)
        health = wait_for_backend(f"http://127.0.0.1:{api_port}", backend, backend_log)
        print()
        print(f"Open in a browser: {api_url}/  (holders; a wallet such as MetaMask on chain {chain_id}, RPC {url}), "
              f"{api_url}/desk (venue desks), {api_url}/console (municipality staff)")
        print(f"Data directory: {data}")
        print(f"Chain RPC:      {url}")
        print(f"Backend:        {api_url}  (database {shown_url(settings.database_url)}, "
              f"log {backend_log})")
        print(f"API docs:       {api_url}/docs")
        print(f"Health:         {api_url}/health  (indexed block {health.get('indexed_block')}, "
              f"head {health.get('head_block')}; {api_url}/health/live for liveness)")
        for line in seed_lines:
            print(line)
        print("Running. Press Ctrl-C to stop; the chain state is saved and reused next time.", flush=True)
        while chain.poll() is None and backend.poll() is None:
            time.sleep(0.5)
        if backend.poll() is not None:
            print(f"the backend exited ({backend.returncode}); see {backend_log}", file=sys.stderr)
        else:
            print(f"anvil exited ({chain.returncode}); see {state_file.parent / 'anvil.log'}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping; saving chain state...", flush=True)
        return 0
    finally:
        stop_backend(backend)
        stop(chain)


if __name__ == "__main__":
    sys.exit(main())
