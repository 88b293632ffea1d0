"""The one place that talks to the chain (JSON-RPC through web3.py).

The indexer and the airdrop use the raw calls (`head`, `block`, `logs`, `receipt`, `call_many`…): they
skip web3's per-field response formatting, which dominates the cost of 20,000 logs. Others use
contracts (`contract_at`, or `deployments.contract_for(record)`) and `is_valid_signature()` (ERC-1271).

Nothing web3 raises leaves this package: an unreachable or failing node is `ChainError`, a call the
contract refuses is `ContractReverted` (a ChainError) carrying the decoded custom error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception
from web3.middleware import ExtraDataToPOAMiddleware

from backend.chain import redaction
from backend.chain.reverts import Revert, decode_revert
from backend.chain.transport import Endpoints, FailoverProvider
from backend.errors import ChainError

_URLLIB3_POOL_LOG = logging.getLogger("urllib3.connectionpool")
# What web3 and its transport raise when a node is unreachable or answers an error.
RPC_FAILURES = (requests.RequestException, OSError, Web3Exception, ValueError)

ERC1271_MAGIC = bytes.fromhex("1626ba7e")
ERC1271_ABI = [{
    "type": "function", "name": "isValidSignature", "stateMutability": "view",
    "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
    "outputs": [{"name": "magicValue", "type": "bytes4"}],
}]


class ContractReverted(ChainError):
    """Raised when the contract refuses a call (read or gas estimate); `revert` names its custom error."""

    def __init__(self, rpc_url: str, function: str, revert: Revert) -> None:
        self.function = function
        self.revert = revert
        super().__init__(rpc_url, f"{function} reverted: {revert}")


class ReceiptTimeout(ChainError):
    """Raised when a transaction is not mined within the time given."""


@dataclass(frozen=True)
class Block:
    number: int
    hash: str  # 0x-prefixed, lower case
    timestamp: int
    gas_limit: int = 0
    parent_hash: str = ""


@dataclass(frozen=True)
class Receipt:
    """A mined transaction's receipt; `logs` are raw (hex strings), as backend.chain.events decodes them."""

    tx_hash: str
    block_number: int
    gas_used: int
    status: int
    logs: list[dict]

    @classmethod
    def of(cls, raw: dict) -> Receipt:
        return cls(raw["transactionHash"].lower(), int(raw["blockNumber"], 16), int(raw["gasUsed"], 16),
                   int(raw["status"], 16), list(raw["logs"]))


class Function:
    """A contract function with its arguments bound (web3's ContractFunction) whose calls raise this
    package's errors. What Issuer.send takes."""

    def __init__(self, contract: Contract, bound: Any) -> None:
        self.contract = contract
        self.bound = bound

    @property
    def fn_name(self) -> str:
        return self.bound.fn_name

    @property
    def args(self) -> tuple:
        return tuple(self.bound.args)

    @property
    def calldata(self) -> str:
        return self.contract.encode_abi(self.fn_name, list(self.args))

    def call(self, tx: dict | None = None, block: str | int = "latest") -> Any:
        with self.contract.chain.errors(self.fn_name, self.contract.abi):
            return self.bound.call(tx or {}, block)

    def estimate_gas(self, tx: dict | None = None) -> int:
        with self.contract.chain.errors(self.fn_name, self.contract.abi):
            return self.bound.estimate_gas(tx or {})

    def build_transaction(self, tx: dict) -> dict:
        with self.contract.chain.errors(self.fn_name, self.contract.abi):
            return self.bound.build_transaction(tx)


class _Functions:
    def __init__(self, contract: Contract) -> None:
        self._contract = contract

    def __getattr__(self, name: str):
        unbound = getattr(self._contract.web3_contract.functions, name)
        return lambda *args: Function(self._contract, unbound(*args))


class Contract:
    """A deployed contract on one chain: `functions.name(*args).call()` as with web3, with this package's errors."""

    def __init__(self, chain: Chain, address: str, abi: list[dict]) -> None:
        self.chain = chain
        self.address = to_checksum_address(address)
        self.abi = abi
        self.web3_contract = chain.web3.eth.contract(address=self.address, abi=abi)
        self.functions = _Functions(self)

    @property
    def w3(self):
        return self.chain.web3

    def encode_abi(self, fn_name: str, args: Sequence[Any] = ()) -> str:
        return self.web3_contract.encode_abi(fn_name, args=list(args))


@dataclass(frozen=True)
class OnChainCard:
    """A card as the contract answers right now (the per-request-RPC path)."""

    token_id: int
    owner: str | None  # None: does not exist (never issued or burnt)
    valid: bool
    resident_number: int = 0
    tier: int = 0
    issued_at: int = 0
    expires_at: int = 0
    locked: bool = False


class Chain:
    """A connection to one chain's RPC node."""

    def __init__(self, rpc_url: str | Endpoints, timeout: float = 10.0, *, poa: bool = False) -> None:
        """`rpc_url`: one URL, or the chain's `Endpoints` (backend/chain/transport.py; shared by a process's
        Chains, so all fail over together). `poa`: the chain's blocks carry signers in extraData (its profile)."""
        self.endpoints = rpc_url if isinstance(rpc_url, Endpoints) else Endpoints([rpc_url])
        self.rpc_url = self.endpoints.urls[0]
        provider = FailoverProvider(self.endpoints, timeout)
        self.web3 = Web3(provider)
        if poa:
            self.web3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        # web3 logs the full URL at DEBUG, urllib3 its path: neither may show the node's key.
        for url in self.endpoints.urls:
            redaction.remember(url)
        for logger in (provider.logger, provider._request_session_manager.logger, _URLLIB3_POOL_LOG):
            redaction.guard_logger(logger)

    @classmethod
    def of(cls, settings, timeout: float = 10.0, endpoints: Endpoints | None = None) -> Chain:
        """The chain of `settings`: its RPC endpoints (RESIDENT_RPC_URLS) and its profile's PoA flag."""
        return cls(endpoints or Endpoints.of(settings), timeout, poa=settings.network.poa)

    @property
    def endpoint_in_use(self) -> str:
        """Which endpoint answers now, as it may be shown: "#1 rpc.example.org"."""
        return self.endpoints.describe()

    @contextmanager
    def errors(self, what: str, abi: list[dict] = ()) -> Iterator[None]:
        """Turns what web3 raises inside into ContractReverted (decoded with `abi`) or ChainError."""
        try:
            yield
        except ContractLogicError as exc:
            raise ContractReverted(self.rpc_url, what, decode_revert(list(abi), exc)) from exc
        except RPC_FAILURES as exc:
            raise ChainError(self.rpc_url, f"{what} failed: {type(exc).__name__}: {exc}") from None

    # -- raw JSON-RPC ---------------------------------------------------
    def request(self, method: str, params: list) -> Any:
        try:
            response = self.web3.provider.make_request(method, params)
        except (requests.RequestException, OSError, Web3Exception) as exc:
            raise ChainError(self.rpc_url, f"{method} failed: {type(exc).__name__}: {exc}") from None
        if "error" in response:
            raise ChainError(self.rpc_url, f"{method} error: {response['error']}")
        return response.get("result")

    def chain_id(self) -> int:
        return int(self.request("eth_chainId", []), 16)

    def head(self) -> int:
        return int(self.request("eth_blockNumber", []), 16)

    def block(self, number: int | str) -> Block | None:
        """The block at `number`, or at a tag ("finalized", "safe", "latest"); None where the node has none."""
        raw = self.request("eth_getBlockByNumber", [number if isinstance(number, str) else hex(number), False])
        return _block(raw)

    def block_by_hash(self, block_hash: str) -> Block | None:
        return _block(self.request("eth_getBlockByHash", [block_hash, False]))

    def latest(self) -> Block:
        raw = self.request("eth_getBlockByNumber", ["latest", False])
        return Block(int(raw["number"], 16), raw["hash"].lower(), int(raw["timestamp"], 16), int(raw["gasLimit"], 16))

    def nonce(self, address: str, block: str = "pending") -> int:
        return int(self.request("eth_getTransactionCount", [to_checksum_address(address), block]), 16)

    def gas_price(self) -> int:
        return int(self.request("eth_gasPrice", []), 16)

    def priority_fee(self) -> int:
        """eth_maxPriorityFeePerGas: the node's suggested tip (EIP-1559 chains)."""
        return int(self.request("eth_maxPriorityFeePerGas", []), 16)

    def base_fee(self) -> int:
        """The latest block's base fee (EIP-1559 chains; 0 where blocks have none)."""
        raw = self.request("eth_getBlockByNumber", ["latest", False])
        return int(raw.get("baseFeePerGas") or "0x0", 16)

    def balance(self, address: str) -> int:
        return int(self.request("eth_getBalance", [to_checksum_address(address), "latest"]), 16)

    def has_code(self, address: str) -> bool:
        return self.request("eth_getCode", [to_checksum_address(address), "latest"]) not in (None, "0x", "0x0")

    def transaction(self, tx_hash: str) -> dict | None:
        """The raw transaction (pending or mined), or None when the node does not know it."""
        return self.request("eth_getTransactionByHash", [tx_hash])

    def receipt(self, tx_hash: str) -> Receipt | None:
        raw = self.request("eth_getTransactionReceipt", [tx_hash])
        return Receipt.of(raw) if raw else None

    def wait_for_receipt(self, tx_hash: str, timeout: float, poll: float = 0.05) -> Receipt:
        """The receipt once mined; ReceiptTimeout after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.receipt(tx_hash)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise ReceiptTimeout(self.rpc_url, f"{tx_hash} not mined after {timeout:.0f} s")
            time.sleep(poll)

    def eth_call(self, tx: dict, abi: Sequence[dict] = (), what: str = "eth_call") -> str:
        """eth_call of a raw transaction (hex fields); a revert is ContractReverted decoded with `abi`."""
        return self._reverting("eth_call", [tx, "latest"], abi, what)

    def estimate_gas(self, tx: dict, abi: Sequence[dict] = (), what: str = "eth_estimateGas") -> int:
        return int(self._reverting("eth_estimateGas", [tx], abi, what), 16)

    def _reverting(self, method: str, params: list, abi: Sequence[dict], what: str) -> Any:
        try:
            response = self.web3.provider.make_request(method, params)
        except RPC_FAILURES as exc:
            raise ChainError(self.rpc_url, f"{method} failed: {type(exc).__name__}: {exc}") from None
        error = response.get("error")
        if error is not None:
            revert = decode_revert(list(abi), error)
            if revert.name or "revert" in str(error.get("message", "")).lower():
                raise ContractReverted(self.rpc_url, what, revert)
            raise ChainError(self.rpc_url, f"{method} error: {error}")
        return response.get("result")

    def call_many(self, to: str, datas: Sequence[str], chunk: int = 500) -> list[str]:
        """eth_call of each calldata against `to`, `chunk` calls per JSON-RPC batch request.

        A batch costs the node ~50 ms per thousand calls; web3's own batching costs ~2 ms of Python per
        call. A node that refuses batches is asked one call at a time.
        """
        to = to_checksum_address(to)
        answers: list[str] = []
        for start in range(0, len(datas), chunk):
            part = datas[start:start + chunk]
            try:
                raw = self.web3.provider.make_batch_request(
                    [("eth_call", [{"to": to, "data": data}, "latest"]) for data in part])
            except RPC_FAILURES:
                raw = None
            if isinstance(raw, list) and len(raw) == len(part) and all("result" in a for a in raw):
                answers.extend(a["result"] for a in raw)  # web3 puts a batch's answers in request order
            else:
                answers.extend(self.eth_call({"to": to, "data": data}) for data in part)
        return answers

    def send_raw(self, raw_transaction: bytes) -> str:
        return self.request("eth_sendRawTransaction", ["0x" + bytes(raw_transaction).hex()])

    def send_unlocked(self, tx: dict) -> str:
        """eth_sendTransaction: the node signs with an account it holds (a development chain's)."""
        return self.request("eth_sendTransaction", [_hex_fields(tx)])

    def logs(self, addresses: list[str], from_block: int, to_block: int | str,
             topics: list | None = None) -> list[dict]:
        """Raw logs (hex strings) of `addresses` in [from_block, to_block], in chain order."""
        query = {"address": addresses, "fromBlock": hex(from_block),
                 "toBlock": to_block if isinstance(to_block, str) else hex(to_block)}
        if topics:
            query["topics"] = topics
        return self.request("eth_getLogs", [query]) or []

    # -- contracts ------------------------------------------------------
    def contract_at(self, address: str, abi: list[dict]) -> Contract:
        """The contract at `address` with `abi` (from a record: backend.chain.deployments.contract_for)."""
        return Contract(self, address, abi)

    def read_card(self, contract, token_id: int) -> OnChainCard:
        """Asks the contract about one card: holder, validity and data (three calls)."""
        contract = getattr(contract, "web3_contract", contract)  # web3's own: a revert here means "no card"
        try:
            if not contract.functions.isValid(token_id).call():
                owner = None
                try:
                    owner = contract.functions.ownerOf(token_id).call()
                except ContractLogicError:
                    return OnChainCard(token_id, None, False)
                return OnChainCard(token_id, owner, False)
            owner = contract.functions.ownerOf(token_id).call()
            number, tier, locked, issued_at, expires_at = contract.functions.cardOf(token_id).call()
        except ContractLogicError:
            return OnChainCard(token_id, None, False)
        except (requests.RequestException, OSError, Web3Exception) as exc:
            raise ChainError(self.rpc_url, f"reading card {token_id} failed: {exc}") from None
        return OnChainCard(token_id, owner, True, number, tier, issued_at, expires_at, locked)

    def is_valid_signature(self, address: str, message_hash: bytes, signature: bytes) -> bool:
        """ERC-1271: whether the contract at `address` accepts `signature` for `message_hash`.

        False when there is no contract there, it reverts, or answers anything but the magic value.
        """
        address = to_checksum_address(address)
        try:
            if len(self.web3.eth.get_code(address)) == 0:
                return False
            wallet = self.web3.eth.contract(address=address, abi=ERC1271_ABI)
            result = wallet.functions.isValidSignature(message_hash, signature).call()
        except (ContractLogicError, ValueError):
            return False
        except (requests.RequestException, OSError, Web3Exception) as exc:
            raise ChainError(self.rpc_url, f"ERC-1271 check of {address} failed: {exc}") from None
        return bytes(result) == ERC1271_MAGIC


def _block(raw: dict | None) -> Block | None:
    if raw is None:
        return None
    return Block(int(raw["number"], 16), raw["hash"].lower(), int(raw["timestamp"], 16),
                 int(raw.get("gasLimit", "0x0"), 16), raw.get("parentHash", "").lower())


def _hex_fields(tx: dict) -> dict:
    return {key: hex(value) if isinstance(value, int) else value for key, value in tx.items()}
