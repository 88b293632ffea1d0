"""Run a Brownie script on the stack's chain: Settings.rpc_url, the one place that says where the chain is.

    .venv/bin/python tools/brownie_run.py scripts/campaign.py main create config/campaigns/free-claim.yaml
    .venv/bin/python tools/brownie_run.py scripts/airdrop.py main list.csv MINEDEMO -- --dry-run

The arguments are `brownie run`'s, without --network: Brownie is connected to RESIDENT_RPC_URL (default
http://127.0.0.1:<RESIDENT_RPC_PORT>, the chain `make run` starts). `--network development` attached to whatever
listened on 127.0.0.1:8545 instead, whatever port the stack ran on. A node on this machine is attached as a
development network (its unlocked test accounts sign); any other URL is a live network, where
RESIDENT_DEPLOYER_KEY signs. Nothing is started: a chain that does not answer is reported.
"""

from __future__ import annotations

import json
import sys
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.chain.redaction import shown_url  # noqa: E402
from backend.settings import Settings  # noqa: E402

NETWORK_ID = "resident"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
USAGE = "usage: .venv/bin/python tools/brownie_run.py scripts/<script>.py [<function>] [<arg>...]"


def chain_id_at(url: str) -> int | None:
    """The chain id the node at `url` answers, or None when it does not answer."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, {"Content-Type": "application/json"}),
                                    timeout=5) as response:
            return int(json.load(response)["result"], 16)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def connect(url: str, name: str = NETWORK_ID):
    """Loads the project and connects Brownie to the chain at `url` (which must answer); returns the project."""
    from brownie import network, project
    from brownie._config import CONFIG

    chain_id = chain_id_at(url)
    if chain_id is None:
        raise SystemExit(f"No chain answers at {shown_url(url)} (RESIDENT_RPC_URL, default http://127.0.0.1:"
                         f"<RESIDENT_RPC_PORT>): start it (`make run`) or set RESIDENT_RPC_URL.\n"
                         f"{shown_url(url)} のチェーンが応答しません。`make run` で起動するか、RESIDENT_RPC_URL を"
                         f"設定してください。")
    # Brownie 1.22 warns about its own internal calls, and about attaching to a chain that already has blocks.
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message="Development network has a block height")
    proj = project.load(ROOT, name="ResidentScripts")
    proj.load_config()
    parts = urlsplit(url)
    if parts.hostname in LOCAL_HOSTS and parts.port:
        # A development network of our own: Brownie finds the node listening and attaches to it (unlocked
        # accounts, no deployment artifacts); it never launches one, since the node answered above.
        CONFIG.networks[name] = {"id": name, "name": "resident chain", "cmd": "anvil",
                                 "host": f"{parts.scheme}://{parts.hostname}", "cmd_settings": {"port": parts.port}}
    else:
        CONFIG.networks[name] = {"id": name, "name": "resident chain", "host": url, "chainid": chain_id}
    network.connect(name)
    return proj


def run_script(url: str, script: str, function: str = "main", args: list[str] | tuple = ()):
    """Runs `function` of the Brownie script `script` with `args` on the chain at `url`; returns its result."""
    from brownie import network, run

    proj = connect(url)
    try:
        return run(str(Path(script).resolve()), function, args=list(args), project=proj)
    finally:
        network.disconnect(kill_rpc=False)  # the chain is not ours to stop


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or "--network" in argv:
        print(__doc__ if argv and argv[0] in ("-h", "--help") else
              USAGE + "\n(no --network: the chain is RESIDENT_RPC_URL's)", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    script, function, args = argv[0], argv[1] if len(argv) > 1 else "main", argv[2:]
    run_script(Settings().rpc_url, script, function, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
