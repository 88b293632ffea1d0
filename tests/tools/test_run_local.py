"""`make run`'s orchestrator as a user meets it: start, stop with Ctrl-C, start again."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from backend.chain.client import Chain

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# anvil's second dev account: the first demo holder (scripts/demo.py), a premium card.
FIRST_DEMO_HOLDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def run_until_ready(env, timeout=180, stop_signal=signal.SIGINT, while_running=None):
    """Starts tools/run_local.py, waits for its 'Running.' line, calls `while_running()` if given,
    then presses Ctrl-C (or sends `stop_signal`)."""
    process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "run_local.py")], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Running.") or time.monotonic() > deadline:
            break
    try:
        if while_running is not None and process.poll() is None:
            while_running()
    finally:
        process.send_signal(stop_signal)
    rest, _ = process.communicate(timeout=60)
    return process.returncode, "".join(lines) + rest


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "RESIDENT_DATA_DIR": str(tmp_path), "RESIDENT_RPC_PORT": str(free_port()),
            "RESIDENT_API_PORT": str(free_port())}


def api(env):
    return f"http://127.0.0.1:{env['RESIDENT_API_PORT']}"


def rpc(env):
    return f"http://127.0.0.1:{env['RESIDENT_RPC_PORT']}"


def wait_for_demo_card(env, seconds=10):
    """The backend's index shows the first demo holder's card (the indexer runs in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        cards = get_json(f"{api(env)}/holders/{FIRST_DEMO_HOLDER}/cards")
        if cards or time.monotonic() > deadline:
            return cards
        time.sleep(0.2)


def contract_address(output):
    return re.search(r"contract\s+(0x[0-9a-fA-F]{40})", output).group(1)


def test_first_run_deploys_and_issues_then_second_run_resumes(env, tmp_path):
    seen = {}

    def check_backend():
        seen["cards"] = wait_for_demo_card(env)  # /health answers 503 until the index has caught up
        seen["live"] = get_json(f"{api(env)}/health/live")
        seen["health"] = get_json(f"{api(env)}/health")
        seen["docs"] = urllib.request.urlopen(f"{api(env)}/docs", timeout=5).status
        # The deployed tokenURI resolves to this stack (before, it named port 8000 whatever RESIDENT_API_PORT was).
        record = json.loads((tmp_path / "deployments" / "31337" / "MINEDEMO.json").read_text(encoding="utf-8"))
        card = Chain(rpc(env)).contract_at(record["address"], record["abi"])
        seen["token_uri"] = card.functions.tokenURI(1).call()
        seen["metadata"] = get_json(seen["token_uri"])
        # The staff guide's command, as written: it goes to this stack's chain, on RESIDENT_RPC_PORT.
        seen["campaign"] = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "brownie_run.py"), "scripts/campaign.py", "main", "create",
             "config/campaigns/free-claim.yaml"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
        seen["campaign_on_chain"] = Chain(rpc(env)).contract_at(card.functions.minter().call(), json.loads(
            (tmp_path / "deployments" / "31337" / "MINEDEMO.minter.json").read_text())["abi"]
        ).functions.campaignCount().call()

    code, first = run_until_ready(env, while_running=check_backend)
    assert code == 0, first
    assert "Deployed Mine City Digital Resident" in first
    assert "Issued demo cards:" in first
    assert len(re.findall(r"#\d+\s+resident", first)) == 3
    assert (tmp_path / "chain" / "anvil-state.json").stat().st_size > 0
    assert (tmp_path / "deployments" / "31337" / "MINEDEMO.json").exists()
    assert f"Backend:        {api(env)}" in first
    assert f"{api(env)}/docs" in first and f"{api(env)}/health" in first
    assert seen["live"] == {"status": "alive"} and f"{api(env)}/health/live" in first
    assert seen["health"]["database"] == "ok" and seen["health"]["chain_id"] == 31337
    assert contract_address(first) in {c["address"] for c in seen["health"]["contracts"]}
    assert seen["docs"] == 200
    assert seen["token_uri"] == f"{api(env)}/metadata/MINEDEMO/1"
    assert seen["metadata"]["name"] == "Mine City Digital Resident No. 000001"
    assert f"RPC {rpc(env)}" in first and "8545" not in first  # the wallet hints name this run's chain
    assert seen["campaign"].returncode == 0, seen["campaign"].stdout + seen["campaign"].stderr
    assert "Created campaign #" in seen["campaign"].stdout and seen["campaign_on_chain"] >= 1
    assert [(c["symbol"], c["tier"], c["soulbound"], c["valid_now"]) for c in seen["cards"]] == [
        ("MINEDEMO", 1, True, True)]
    assert (tmp_path / "resident.db").stat().st_mode & 0o777 == 0o600  # the database is this user's only

    code, second = run_until_ready(env, while_running=lambda: seen.update(again=wait_for_demo_card(env)))
    assert code == 0, second
    assert "state resumed from" in second
    assert "Reusing Mine City Digital Resident" in second
    assert "Demo cards (already issued):" in second
    assert contract_address(second) == contract_address(first)
    assert len(re.findall(r"#\d+\s+resident", second)) == 3
    assert [c["token_id"] for c in seen["again"]] == [c["token_id"] for c in seen["cards"]]


def test_port_in_use_is_refused_with_advice(env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["RESIDENT_RPC_PORT"])))
        busy.listen()
        result = subprocess.run([sys.executable, str(ROOT / "tools" / "run_local.py")], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert "RESIDENT_RPC_PORT" in result.stderr


def test_api_port_in_use_is_refused_with_advice(env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["RESIDENT_API_PORT"])))
        busy.listen()
        result = subprocess.run([sys.executable, str(ROOT / "tools" / "run_local.py")], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "RESIDENT_API_PORT" in result.stderr


def test_sigterm_stops_cleanly_and_saves_the_chain(env, tmp_path):
    code, output = run_until_ready(env, stop_signal=signal.SIGTERM)
    assert code == 0, output
    assert "saving chain state" in output
    assert (tmp_path / "chain" / "anvil-state.json").stat().st_size > 0


def test_an_rpc_url_that_is_not_the_chain_make_run_starts_is_refused(env):
    # make run starts its chain on RESIDENT_RPC_PORT; a RESIDENT_RPC_URL elsewhere would split the stack.
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "run_local.py")], cwd=ROOT,
                            env={**env, "RESIDENT_RPC_URL": "http://127.0.0.1:9"}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert "RESIDENT_RPC_URL" in result.stderr and f"RESIDENT_RPC_PORT={env['RESIDENT_RPC_PORT']}" in result.stderr
