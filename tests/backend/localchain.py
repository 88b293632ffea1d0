"""A real anvil chain for backend tests: start it, deploy ResidentCard with web3, issue and move cards.

Accounts: anvil's ten well-known dev keys (ANVIL_KEYS; accounts[0] administers). Holders
that must sign (SIWE) are fresh `eth_account` accounts funded with anvil_setBalance; their
transactions go through anvil_impersonateAccount, so no key handling is needed for sending.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.logs import DISCARD

from backend.chain.deployments import DeploymentRecord, record_path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = ROOT / "build" / "contracts" / "ResidentCard.json"
CHAIN_ID = 31337
# anvil's default dev accounts (mnemonic "test test ... junk"): public knowledge, dev chains only.
ANVIL_KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
]
ZERO = "0x" + "00" * 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def anvil_binary() -> str:
    found = ROOT / ".venv" / "bin" / "anvil"
    if found.exists():
        return str(found)
    which = shutil.which("anvil")
    if which is None:
        raise RuntimeError("anvil is not installed: run `make setup` (it links .venv/bin/anvil)")
    return which


class Anvil:
    """An anvil process on a free port (instant mining), stopped by `stop()`."""

    def __init__(self, port: int | None = None, extra: list[str] | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([anvil_binary(), "--port", str(self.port), "--silent",
                                         "--chain-id", str(CHAIN_ID), *(extra or [])],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        web3 = Web3(Web3.HTTPProvider(self.url))
        deadline = time.monotonic() + 20
        while True:
            try:
                web3.eth.chain_id
                break
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"anvil did not start on {self.url}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def artifact() -> dict:
    if not ARTIFACT.exists():
        raise RuntimeError(f"{ARTIFACT} is missing: run `brownie compile` (or `make compile`) first")
    return json.loads(ARTIFACT.read_text())


@dataclass
class DeployedCollection:
    chain: LocalChain
    contract: object  # web3 contract
    record: DeploymentRecord
    record_file: Path

    @property
    def address(self) -> str:
        return self.contract.address

    def _send(self, fn, sender: str | None = None):
        return self.chain.send(fn, sender or self.chain.admin)

    def issue(self, to: str, tier: int = 0, expires_at: int = 0, locked: bool | None = None) -> int:
        fn = (self.contract.functions.issue(to, tier, expires_at) if locked is None
              else self.contract.functions.issueWithPolicy(to, tier, expires_at, locked))
        receipt = self._send(fn)
        return self.contract.events.CardsIssued().process_receipt(receipt, errors=DISCARD)[0]["args"]["firstTokenId"]

    def issue_batch(self, holders: list[str], tier: int = 0, expires_at: int = 0) -> int:
        receipt = self._send(self.contract.functions.issueBatch(holders, tier, expires_at))
        return self.contract.events.CardsIssued().process_receipt(receipt, errors=DISCARD)[0]["args"]["firstTokenId"]

    def transfer(self, token_id: int, to: str) -> None:
        holder = self.contract.functions.ownerOf(token_id).call()
        self._send(self.contract.functions.transferFrom(holder, to, token_id), holder)

    def revoke(self, token_id: int) -> None:
        self._send(self.contract.functions.revoke(token_id))

    def opt_out(self, token_id: int) -> None:
        holder = self.contract.functions.ownerOf(token_id).call()
        self._send(self.contract.functions.optOut(token_id), holder)

    def reissue(self, token_id: int, to: str) -> int:
        receipt = self._send(self.contract.functions.reissue(token_id, to))
        return self.contract.events.CardReissued().process_receipt(receipt, errors=DISCARD)[0]["args"]["newTokenId"]

    def set_tier(self, token_id: int, tier: int) -> None:
        self._send(self.contract.functions.setTier(token_id, tier))

    def set_expiry(self, token_id: int, expires_at: int) -> None:
        self._send(self.contract.functions.setExpiry(token_id, expires_at))

    def set_locked(self, token_id: int, locked: bool) -> None:
        self._send(self.contract.functions.setLocked(token_id, locked))

    def card_on_chain(self, token_id: int) -> dict:
        number, tier, locked, issued_at, expires_at = self.contract.functions.cardOf(token_id).call()
        return {"owner": self.contract.functions.ownerOf(token_id).call(), "resident_number": number, "tier": tier,
                "locked": locked, "issued_at": issued_at, "expires_at": expires_at}


class LocalChain:
    """web3 on an anvil node, with deployment records written into `data_dir`."""

    # Every LocalChain alive, so a test's chain changes can be undone on all of them (ChainRewind).
    alive: weakref.WeakSet = weakref.WeakSet()

    def __init__(self, rpc_url: str, data_dir: Path) -> None:
        self.rpc_url = rpc_url
        self.data_dir = Path(data_dir)
        self.web3 = Web3(Web3.HTTPProvider(rpc_url))
        self.keys: list[LocalAccount] = [Account.from_key(k) for k in ANVIL_KEYS]
        self.admin = self.keys[0].address
        self._impersonated: set[str] = set()
        LocalChain.alive.add(self)

    @property
    def deployments_dir(self) -> Path:
        return self.data_dir / "deployments"

    def rpc(self, method: str, params: list | None = None):
        response = self.web3.provider.make_request(method, params or [])
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response["result"]

    def send(self, fn, sender: str) -> dict:
        if sender not in {k.address for k in self.keys} and sender not in self._impersonated:
            self.rpc("anvil_impersonateAccount", [sender])
            self._impersonated.add(sender)
        tx_hash = fn.transact({"from": sender})
        receipt = self.web3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
        return receipt

    def new_holder(self, ether: int = 10) -> LocalAccount:
        """A fresh account (with its key, for signing) holding `ether` ETH for gas."""
        account = Account.create()
        self.rpc("anvil_setBalance", [account.address, hex(ether * 10**18)])
        return account

    def deploy(self, symbol: str = "TEST", soulbound: bool = False, max_cards_per_wallet: int = 1000,
               name_ja: str = "テスト市", name_en: str = "Test City", base_uri: str = "") -> DeployedCollection:
        art = artifact()
        factory = self.web3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        config = (f"{name_en} Digital Resident", symbol, name_ja, name_en, soulbound, max_cards_per_wallet,
                  base_uri, self.admin, self.admin, 0)
        tx_hash = factory.constructor(config).transact({"from": self.admin})
        receipt = self.web3.eth.wait_for_transaction_receipt(tx_hash)
        address = receipt["contractAddress"]
        record = DeploymentRecord(
            network="test", chain_id=self.web3.eth.chain_id, contract="ResidentCard", address=address,
            deployment_block=receipt["blockNumber"], deployment_tx="0x" + tx_hash.hex().removeprefix("0x"),
            symbol=symbol, municipality_name_ja=name_ja, municipality_name_en=name_en, soulbound=soulbound,
            abi=art["abi"],
        )
        path = record.write(record_path(record.chain_id, symbol, self.deployments_dir))
        contract = self.web3.eth.contract(address=address, abi=art["abi"])
        return DeployedCollection(self, contract, record, path)

    def now(self) -> int:
        return self.web3.eth.get_block("latest")["timestamp"]

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def snapshot(self) -> str:
        return self.rpc("evm_snapshot")

    def revert(self, snapshot_id: str) -> None:
        assert self.rpc("evm_revert", [snapshot_id]) is True


class ChainRewind:
    """Takes the anvil node at `rpc_url` back to where it was (evm_snapshot / evm_revert), and removes the
    deployment records written meanwhile into the data directories of its LocalChains: the next test
    starts from the same chain, and its index has the same history to catch up with."""

    def __init__(self, rpc_url: str) -> None:
        self.rpc_url = rpc_url
        self.web3 = Web3(Web3.HTTPProvider(rpc_url))
        self.snapshot = self._rpc("evm_snapshot")
        self.records = {path for chain in self._chains() for path in self._records_of(chain)}

    def _rpc(self, method: str, params: list | None = None):
        response = self.web3.provider.make_request(method, params or [])
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response["result"]

    def _chains(self) -> list[LocalChain]:
        return [chain for chain in list(LocalChain.alive) if chain.rpc_url == self.rpc_url]

    @staticmethod
    def _records_of(chain: LocalChain) -> set[Path]:
        return set(chain.deployments_dir.rglob("*.json")) if chain.deployments_dir.is_dir() else set()

    def rewind(self) -> None:
        assert self._rpc("evm_revert", [self.snapshot]) is True
        for chain in self._chains():
            for path in self._records_of(chain) - self.records:
                path.unlink()  # its contract is gone with the blocks
            chain._impersonated.clear()  # asked again when needed (anvil_impersonateAccount is idempotent)
