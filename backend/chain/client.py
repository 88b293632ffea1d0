"""The one place that talks to the chain (JSON-RPC through web3.py).

The indexer uses the raw calls (`head`, `block`, `logs`): they skip web3's
per-field response formatting, which dominates the cost of 20,000 logs.
Others use `contract()` and `is_valid_signature()` (ERC-1271 contract wallets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3Exception

from backend.chain.deployments import DeploymentRecord
from backend.errors import ChainError

ERC1271_MAGIC = bytes.fromhex("1626ba7e")
ERC1271_ABI = [{
    "type": "function", "name": "isValidSignature", "stateMutability": "view",
    "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
    "outputs": [{"name": "magicValue", "type": "bytes4"}],
}]


@dataclass(frozen=True)
class Block:
    number: int
    hash: str  # 0x-prefixed, lower case
    timestamp: int


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

    def __init__(self, rpc_url: str, timeout: float = 10.0) -> None:
        self.rpc_url = rpc_url
        self.web3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))

    # -- raw JSON-RPC ---------------------------------------------------
    def request(self, method: str, params: list) -> Any:
        try:
            response = self.web3.provider.make_request(method, params)
        except (requests.RequestException, OSError, Web3Exception) as exc:
            raise ChainError(self.rpc_url, f"{method} failed: {type(exc).__name__}: {exc}") from exc
        if "error" in response:
            raise ChainError(self.rpc_url, f"{method} error: {response['error']}")
        return response.get("result")

    def chain_id(self) -> int:
        return int(self.request("eth_chainId", []), 16)

    def head(self) -> int:
        return int(self.request("eth_blockNumber", []), 16)

    def block(self, number: int) -> Block | None:
        raw = self.request("eth_getBlockByNumber", [hex(number), False])
        if raw is None:
            return None
        return Block(int(raw["number"], 16), raw["hash"].lower(), int(raw["timestamp"], 16))

    def logs(self, addresses: list[str], from_block: int, to_block: int) -> list[dict]:
        """Raw logs (hex strings) of `addresses` in [from_block, to_block], in chain order."""
        return self.request("eth_getLogs", [{"address": addresses, "fromBlock": hex(from_block),
                                             "toBlock": hex(to_block)}]) or []

    # -- contracts ------------------------------------------------------
    def contract(self, record: DeploymentRecord):
        """The web3 contract of a deployment record (address and ABI from the record)."""
        return self.web3.eth.contract(address=to_checksum_address(record.address), abi=record.abi)

    def read_card(self, contract, token_id: int) -> OnChainCard:
        """Asks the contract about one card: holder, validity and data (three calls)."""
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
            raise ChainError(self.rpc_url, f"reading card {token_id} failed: {exc}") from exc
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
            raise ChainError(self.rpc_url, f"ERC-1271 check of {address} failed: {exc}") from exc
        return bytes(result) == ERC1271_MAGIC
