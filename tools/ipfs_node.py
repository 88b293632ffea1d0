"""A local IPFS node (js-ipfs 0.66.1 from node_modules) for tests and `make run`.

No Kubo binary installs here; npm `ipfs` is the one real node that runs (see
the toolchain notes). It needs a `Promise.withResolvers` polyfill on Node 20,
loaded with NODE_OPTIONS=--require. The repo is initialised with the `test`
profile (no bootstrap peers, no mDNS: the node contacts nobody) and listens on
127.0.0.1 only, on free ports unless fixed ports are asked for.

    python tools/ipfs_node.py [--repo DIR] [--api-port N] [--gateway-port N]

runs a node in the foreground until Ctrl-C (repo <data dir>/ipfs/node, ports
5001 and 8080 unless taken) and prints its RPC address, which is what
RESIDENT_IPFS_API takes. From Python: `with IpfsNodeProcess(repo) as node:
node.api` (a multiaddr like /ip4/127.0.0.1/tcp/5001/http; free ports unless
given), or `IpfsNodeProcess.for_data_dir(data_dir())` for `make run`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "node_modules" / "ipfs" / "src" / "cli.js"
POLYFILL = ROOT / "tools" / "ipfs" / "promise-with-resolvers.cjs"
READY = "Daemon is ready"
_LISTEN = {
    "api": re.compile(r"HTTP API listening on (\S+)"),
    "gateway": re.compile(r"Gateway \(read only\) listening on (\S+)"),
}


class IpfsNodeStartError(RuntimeError):
    """Raised when the local IPFS node cannot be initialised or started; says why."""


def _environment(repo: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["IPFS_PATH"] = str(repo)
    env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") + f" --require {POLYFILL}").strip()
    return env


def _tcp(port: int) -> str:
    return f"/ip4/127.0.0.1/tcp/{port}"


def init_repo(repo: Path, api_port: int = 0, gateway_port: int = 0, swarm_port: int = 0) -> None:
    """Creates the node's repo once (test profile) and (re)writes its listen addresses."""
    node = shutil.which("node")
    if node is None:
        raise IpfsNodeStartError("Node.js is not installed: apt-get install nodejs (Node 20)")
    if not CLI.exists():
        raise IpfsNodeStartError(f"{CLI} is missing: run `make setup` to install the npm packages")
    repo = Path(repo)
    if not (repo / "config").exists():
        repo.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([node, str(CLI), "init", "--profile", "test"], env=_environment(repo),
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise IpfsNodeStartError(f"`jsipfs init` failed in {repo}:\n{result.stdout}{result.stderr}")
    config_path = repo / "config"
    config = json.loads(config_path.read_text())
    addresses = config.setdefault("Addresses", {})
    addresses["API"] = _tcp(api_port)
    addresses["Gateway"] = _tcp(gateway_port)
    addresses["Swarm"] = [_tcp(swarm_port)]
    addresses["RPC"] = _tcp(0)  # js-ipfs's own gRPC endpoint: fixed 5003 by default, may clash
    config["Bootstrap"] = []
    config.setdefault("Discovery", {}).setdefault("MDNS", {})["Enabled"] = False
    tmp = config_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, indent=2))
    os.replace(tmp, config_path)


def _free_or_any(port: int) -> int:
    """`port` when nothing listens on it, else 0 (the node then picks a free one)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return 0
    return port


def _running_api(repo: Path) -> str | None:
    """The RPC address of a node that is running on `repo` and answers, if any."""
    try:
        api = (Path(repo) / "api").read_text().strip()
    except OSError:
        return None
    match = re.match(r"/ip4/([^/]+)/tcp/(\d+)", api)
    if not match:
        return None
    try:
        request = urllib.request.Request(f"http://{match.group(1)}:{match.group(2)}/api/v0/version", method="POST")
        with urllib.request.urlopen(request, timeout=2):
            return api
    except OSError:
        return None


class IpfsNodeProcess:
    """A js-ipfs daemon in its own repo; `api` and `gateway` are set once it is ready."""

    def __init__(self, repo: Path | str, api_port: int = 0, gateway_port: int = 0, swarm_port: int = 0) -> None:
        self.repo = Path(repo).resolve()
        self.ports = (api_port, gateway_port, swarm_port)
        self.process: subprocess.Popen | None = None
        self.api: str | None = None
        self.gateway: str | None = None

    @property
    def log_path(self) -> Path:
        return self.repo / "daemon.log"

    @property
    def gateway_url(self) -> str:
        """The gateway as an http:// URL (e.g. for /ipfs/<cid>)."""
        match = re.match(r"/ip4/([^/]+)/tcp/(\d+)", self.gateway or "")
        if not match:
            raise IpfsNodeStartError("the node is not running")
        return f"http://{match.group(1)}:{match.group(2)}"

    def start(self, timeout: float = 60) -> "IpfsNodeProcess":
        running = _running_api(self.repo)
        if running:
            raise IpfsNodeStartError(f"an IPFS node already runs on {self.repo} (RPC {running}); stop it first")
        init_repo(self.repo, *self.ports)
        # No node answers for this repo: a lock left by a killed node is stale.
        shutil.rmtree(self.repo / "repo.lock", ignore_errors=True)
        (self.repo / "api").unlink(missing_ok=True)
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [shutil.which("node"), str(CLI), "daemon"], env=_environment(self.repo),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            if READY in text:
                self.api = _LISTEN["api"].search(text).group(1)
                self.gateway = _LISTEN["gateway"].search(text).group(1)
                return self
            if self.process.poll() is not None:
                raise IpfsNodeStartError(f"the IPFS node stopped at start (exit {self.process.returncode}):\n{text}")
            time.sleep(0.1)
        self.stop()
        raise IpfsNodeStartError(f"the IPFS node was not ready within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 15) -> None:
        """Stops the daemon (SIGTERM, then SIGKILL) and waits for it."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)
        except ProcessLookupError:
            pass

    @classmethod
    def for_data_dir(cls, data_dir: Path, api_port: int = 5001, gateway_port: int = 8080) -> "IpfsNodeProcess":
        """The node `make run` starts: repo <data dir>/ipfs/node, Kubo's usual ports when free."""
        return cls(Path(data_dir) / "ipfs" / "node", _free_or_any(api_port), _free_or_any(gateway_port))

    def __enter__(self) -> "IpfsNodeProcess":
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from backend.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=None, help="node repo (default: <data dir>/ipfs/node)")
    parser.add_argument("--api-port", type=int, default=5001, help="RPC port (default 5001, or a free one if taken)")
    parser.add_argument("--gateway-port", type=int, default=8080,
                        help="gateway port (default 8080, or a free one if taken)")
    args = parser.parse_args(argv)
    node = IpfsNodeProcess(args.repo or Settings().data_dir / "ipfs" / "node", _free_or_any(args.api_port),
                           _free_or_any(args.gateway_port))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    with node:
        print(f"IPFS node ready. RESIDENT_IPFS_API={node.api}  gateway: {node.gateway_url}/ipfs/<cid>", flush=True)
        try:
            while node.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
