"""The local js-ipfs node tool: private test-profile repo, free ports, clean stop."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from metadata.ipfs import IpfsNode

ROOT = Path(__file__).resolve().parents[2]


def test_repo_is_private_and_local(ipfs_process):
    config = json.loads((ipfs_process.repo / "config").read_text())
    assert config["Bootstrap"] == []
    assert config["Discovery"]["MDNS"]["Enabled"] is False
    addresses = config["Addresses"]
    assert all(a.startswith("/ip4/127.0.0.1/") for a in [addresses["API"], addresses["Gateway"]] + addresses["Swarm"])
    assert ipfs_process.api.startswith("/ip4/127.0.0.1/tcp/") and not ipfs_process.api.endswith("/tcp/0/http")


def test_gateway_serves_added_content(ipfs_process, ipfs_node):
    import urllib.request

    cid = ipfs_node.add(b"served by the gateway\n")
    with urllib.request.urlopen(f"{ipfs_process.gateway_url}/ipfs/{cid}", timeout=20) as response:
        assert response.read() == b"served by the gateway\n"


def test_command_line_runs_until_stopped(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "ipfs_node.py"), "--repo", str(tmp_path / "repo")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        line = process.stdout.readline()
        assert "IPFS node ready. RESIDENT_IPFS_API=/ip4/127.0.0.1/tcp/" in line, line
        api = line.split("RESIDENT_IPFS_API=")[1].split()[0]
        assert IpfsNode(api, timeout=10).version()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    time.sleep(0.5)
    assert not (tmp_path / "repo" / "api").exists() or not _answers(api)


def _answers(api):
    from metadata.errors import IpfsNodeError

    try:
        IpfsNode(api, timeout=2).version()
        return True
    except IpfsNodeError:
        return False


def test_second_node_on_the_same_repo_is_refused(ipfs_process):
    import pytest

    from tools.ipfs_node import IpfsNodeProcess, IpfsNodeStartError

    with pytest.raises(IpfsNodeStartError, match="already runs"):
        IpfsNodeProcess(ipfs_process.repo).start()


def test_for_data_dir_uses_the_data_dir_and_falls_back_to_free_ports(tmp_path, ipfs_process):
    from tools.ipfs_node import IpfsNodeProcess

    busy = int(ipfs_process.api.split("/")[4])
    node = IpfsNodeProcess.for_data_dir(tmp_path, api_port=busy, gateway_port=busy)
    assert node.repo == (tmp_path / "ipfs" / "node").resolve()
    assert node.ports[:2] == (0, 0)
