"""A rehearsal chain: anvil behaving like a public chain (issue 15, Deliver 5).

- blocks every `block_time` seconds (2 s by default), not one per transaction;
- no unlocked account is used after the start: anvil's account 0 funds fresh keys once (a transfer signed here),
  then every transaction (deploy, issue, revoke) is signed locally with a fresh key, as on a public chain where
  the node holds no key (RESIDENT_ISSUER_KEY must not be anvil's well-known key where production rules apply);
- a seeded fault schedule (`FaultSchedule`) that spikes the base fee, drops pending transactions, reorganises the
  last N blocks (anvil_reorg) and rolls the chain back (anvil_rollback) while the backend works.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account

from backend.chain.deployments import DeploymentRecord, record_path
from backend.settings import ANVIL_DEV_KEY

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "build" / "contracts" / "ResidentCard.json"
CHAIN_ID = 31337
GWEI = 10**9

# What the chain itself can do to the backend (the RPC faults are tools/rehearsal/faults.py).
CHAIN_FAULTS = ("base_fee_spike", "drop_one", "drop_all", "reorg", "rollback")


def anvil_binary() -> str:
    for candidate in (ROOT / ".venv" / "bin" / "anvil", ROOT / "node_modules" / ".bin" / "anvil"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("anvil")
    if found is None:
        raise SystemExit("anvil is not installed: run `make setup` first.")
    return found


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ChainFault:
    at: float  # seconds after the schedule starts
    kind: str  # one of CHAIN_FAULTS
    value: int = 0  # base fee in wei (spike), depth in blocks (reorg, rollback)


@dataclass
class FaultSchedule:
    """The chain faults of one run, drawn from `seed`: the same seed gives the same faults at the same times."""

    faults: list[ChainFault]

    @classmethod
    def seeded(cls, seed: int, seconds: float, every: float = 6.0,
               kinds: tuple[str, ...] = CHAIN_FAULTS, max_depth: int = 2) -> FaultSchedule:
        rng = random.Random(seed)
        faults, at = [], rng.uniform(1.0, every)
        while at < seconds:
            kind = rng.choice(kinds)
            value = {"base_fee_spike": rng.choice((50, 200, 1000)) * GWEI,
                     "reorg": rng.randint(1, max_depth), "rollback": rng.randint(1, max_depth)}.get(kind, 0)
            faults.append(ChainFault(round(at, 2), kind, value))
            at += rng.uniform(every / 2, every * 1.5)
        return cls(faults)


@dataclass
class Applied:
    fault: ChainFault
    result: str  # what the node answered ("ok", the dropped hash, or its error)


class RehearsalChain:
    """One anvil process on a free port; `url` is its RPC (the backend talks to it through the fault proxy)."""

    def __init__(self, block_time: float = 2.0, base_fee_gwei: int = 1, log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.block_time = block_time
        out = open(log, "ab") if log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [anvil_binary(), "--port", str(self.port), "--chain-id", str(CHAIN_ID), "--accounts", "1",
             "--block-time", str(block_time), "--block-base-fee-per-gas", str(base_fee_gwei * GWEI),
             "--silent"], stdout=out, stderr=subprocess.STDOUT)
        self.applied: list[Applied] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        deadline = time.monotonic() + 30
        while True:
            try:
                self.rpc("eth_chainId")
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("anvil did not start") from None
                time.sleep(0.1)

    # -- plain JSON-RPC, straight to the node (never through the fault proxy) ---------------------------
    def rpc(self, method: str, params: list | None = None):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error'].get('message')}")
        return answer["result"]

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def wait_receipt(self, tx_hash: str, seconds: float = 60) -> dict:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return receipt
            time.sleep(0.2)
        raise TimeoutError(f"no receipt for {tx_hash}")

    def send_signed(self, key: str, tx: dict) -> dict:
        """Signs `tx` with `key` here (EIP-1559, fees from the node) and waits for its receipt."""
        sender = Account.from_key(key)
        base = int(self.rpc("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16)
        full = {"chainId": CHAIN_ID, "nonce": int(self.rpc("eth_getTransactionCount", [sender.address, "pending"]), 16),
                "maxPriorityFeePerGas": GWEI, "maxFeePerGas": base * 3 + GWEI, "value": 0, **tx}
        if "gas" not in full:
            probe = {k: (hex(v) if isinstance(v, int) else v) for k, v in full.items()
                     if k in ("to", "data", "value")}
            full["gas"] = int(int(self.rpc("eth_estimateGas", [{"from": sender.address, **probe}]), 16) * 1.2)
        signed = sender.sign_transaction(full)
        tx_hash = self.rpc("eth_sendRawTransaction", ["0x" + signed.raw_transaction.hex().removeprefix("0x")])
        receipt = self.wait_receipt(tx_hash)
        if int(receipt["status"], 16) != 1:
            raise RuntimeError(f"transaction {tx_hash} reverted")
        return receipt

    def fresh_key(self, ether: int = 100) -> str:
        """A new key funded by anvil's account 0 (a transfer signed here, not by the node)."""
        account = Account.create()
        self.send_signed(ANVIL_DEV_KEY, {"to": account.address, "value": ether * 10**18, "gas": 21_000})
        return "0x" + account.key.hex().removeprefix("0x")

    def deploy_card(self, key: str, data_dir: Path, symbol: str = "REHEARSE",
                    max_cards_per_wallet: int = 1) -> DeploymentRecord:
        """Deploys ResidentCard (build/contracts, `brownie compile`) from `key`, which becomes its admin and
        issuer, and writes the deployment record the backend reads."""
        from web3 import Web3

        art = json.loads(ARTIFACT.read_text())
        admin = Account.from_key(key).address
        factory = Web3().eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        config = ("Rehearsal City Digital Resident", symbol, "リハーサル市", "Rehearsal City", False,
                  max_cards_per_wallet, "", admin, admin, 0)
        data = factory.constructor(config).data_in_transaction
        receipt = self.send_signed(key, {"data": data, "gas": 8_000_000})
        genesis = self.rpc("eth_getBlockByNumber", ["0x0", False])["hash"]
        record = DeploymentRecord(
            network="rehearsal", chain_id=CHAIN_ID, contract="ResidentCard", address=Web3.to_checksum_address(
                receipt["contractAddress"]), deployment_block=int(receipt["blockNumber"], 16),
            deployment_tx=receipt["transactionHash"], genesis_hash=genesis, symbol=symbol,
            municipality_name_ja="リハーサル市", municipality_name_en="Rehearsal City", soulbound=False,
            abi=art["abi"])
        record.write(record_path(CHAIN_ID, symbol, Path(data_dir) / "deployments"))
        return record

    # -- the fault schedule -----------------------------------------------------------------------------
    def apply(self, fault: ChainFault) -> str:
        try:
            if fault.kind == "base_fee_spike":
                self.rpc("anvil_setNextBlockBaseFeePerGas", [hex(fault.value)])
                return "ok"
            if fault.kind in ("drop_one", "drop_all"):
                pool = self.rpc("txpool_content")
                hashes = [tx["hash"] for part in ("pending", "queued") for by_nonce in pool.get(part, {}).values()
                          for tx in by_nonce.values()]
                if fault.kind == "drop_all":
                    self.rpc("anvil_dropAllTransactions")
                    return f"dropped {len(hashes)}"
                if not hashes:
                    return "nothing pending"
                self.rpc("anvil_dropTransaction", [hashes[0]])
                return f"dropped {hashes[0]}"
            if fault.kind == "reorg":
                self.rpc("anvil_reorg", [fault.value, []])  # the last N blocks re-mined without their txs
                return "ok"
            if fault.kind == "rollback":
                self.rpc("anvil_rollback", [fault.value])
                return "ok"
            return f"unknown fault {fault.kind}"
        except (RuntimeError, OSError) as exc:
            return f"error: {exc}"

    def run_schedule(self, schedule: FaultSchedule) -> None:
        """Applies `schedule` in a background thread from now until `stop_schedule()`."""
        started = time.monotonic()

        def worker() -> None:
            for fault in schedule.faults:
                if self._stop.wait(max(0.0, started + fault.at - time.monotonic())):
                    return
                self.applied.append(Applied(fault, self.apply(fault)))

        self._thread = threading.Thread(target=worker, name="chain-faults", daemon=True)
        self._thread.start()

    def stop_schedule(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def stop(self) -> None:
        self.stop_schedule()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
