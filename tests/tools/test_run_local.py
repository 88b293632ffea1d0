"""`make run`'s orchestrator as a user meets it: start, stop with Ctrl-C, start again."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_until_ready(env, timeout=120, stop_signal=signal.SIGINT):
    """Starts tools/run_local.py, waits for its 'Running.' line, then presses Ctrl-C (or sends `stop_signal`)."""
    process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "run_local.py")], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Running.") or time.monotonic() > deadline:
            break
    process.send_signal(stop_signal)
    rest, _ = process.communicate(timeout=60)
    return process.returncode, "".join(lines) + rest


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "RESIDENT_DATA_DIR": str(tmp_path), "RESIDENT_RPC_PORT": str(free_port())}


def contract_address(output):
    return re.search(r"contract\s+(0x[0-9a-fA-F]{40})", output).group(1)


def test_first_run_deploys_and_issues_then_second_run_resumes(env, tmp_path):
    code, first = run_until_ready(env)
    assert code == 0, first
    assert "Deployed Mine City Digital Resident" in first
    assert "Issued demo cards:" in first
    assert len(re.findall(r"#\d+\s+resident", first)) == 3
    assert (tmp_path / "chain" / "anvil-state.json").stat().st_size > 0
    assert (tmp_path / "deployments" / "31337" / "MINEDEMO.json").exists()

    code, second = run_until_ready(env)
    assert code == 0, second
    assert "state resumed from" in second
    assert "Reusing Mine City Digital Resident" in second
    assert "Demo cards (already issued):" in second
    assert contract_address(second) == contract_address(first)
    assert len(re.findall(r"#\d+\s+resident", second)) == 3


def test_port_in_use_is_refused_with_advice(env):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["RESIDENT_RPC_PORT"])))
        busy.listen()
        result = subprocess.run([sys.executable, str(ROOT / "tools" / "run_local.py")], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert "RESIDENT_RPC_PORT" in result.stderr


def test_sigterm_stops_cleanly_and_saves_the_chain(env, tmp_path):
    code, output = run_until_ready(env, stop_signal=signal.SIGTERM)
    assert code == 0, output
    assert "saving chain state" in output
    assert (tmp_path / "chain" / "anvil-state.json").stat().st_size > 0
