"""Transactions the backend itself sends, signed with the municipality's issuer key.

Automatic premium renewal, revocation after inactivity, a prefecture's card
issued with a city's, campaigns created from the staff console: each is one
contract call sent through `Issuer.send`, which signs locally (the node never
holds the key), waits for the receipt and turns a revert into `TxReverted`
naming the contract's custom error.

The key is RESIDENT_ISSUER_KEY. `make run` sets it to anvil's first
development account (the deployer, which holds ISSUER_ROLE on the demo card);
production refuses that well-known key (see settings).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import requests
from eth_account import Account
from eth_utils import function_abi_to_4byte_selector, to_checksum_address
from web3.exceptions import ContractCustomError, ContractLogicError, Web3Exception

from backend.chain.client import Chain
from backend.errors import ChainError, ResidentError
from backend.settings import ANVIL_DEV_KEY  # noqa: F401  (re-exported for make run and tests)


class TxReverted(ResidentError):
    """The contract refused the call; `error` is its custom error's name when the ABI knows it."""

    def __init__(self, function: str, error: str, data: str = "") -> None:
        self.function = function
        self.error = error
        self.data = data
        super().__init__(f"{function} reverted: {error}")


@dataclass(frozen=True)
class Sent:
    tx_hash: str
    block_number: int
    gas_used: int
    logs: list


def error_name(abi: list[dict], data: str | bytes | None) -> str:
    """The custom error a revert's data encodes (`Name(arg,…)` → `Name`), or the raw selector."""
    if not data:
        return "reverted without a reason"
    raw = bytes.fromhex(data[2:] if data.startswith("0x") else data) if isinstance(data, str) else bytes(data)
    selector = raw[:4]
    for item in abi:
        if item.get("type") == "error" and function_abi_to_4byte_selector(item) == selector:
            return item["name"]
    if selector == bytes.fromhex("08c379a0"):
        return "Error(string)"
    return "0x" + selector.hex()


class Issuer:
    """Signs and sends contract calls with one key; one transaction at a time per process."""

    def __init__(self, chain: Chain, private_key: str, chain_id: int) -> None:
        self.chain = chain
        self.account = Account.from_key(private_key)
        self.chain_id = chain_id
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return self.account.address

    @property
    def nonce_lock(self) -> threading.Lock:
        """Held from taking a nonce to broadcasting; other senders of this key in the process (airdrop jobs)
        take it too, so two transactions never get the same nonce."""
        return self._lock

    def send(self, call: Any, *, value: int = 0, gas: int | None = None, timeout: float = 120) -> Sent:
        """Sends `call` (a web3 ContractFunction with its arguments bound) and waits for its receipt.

        Reverts found while estimating gas raise `TxReverted` before anything is sent.
        """
        web3 = self.chain.web3
        name = call.fn_name
        abi = call.contract_abi
        try:
            with self._lock:
                tx = {"from": self.address, "value": value, "chainId": self.chain_id,
                      "nonce": web3.eth.get_transaction_count(self.address, "pending")}
                try:
                    tx["gas"] = gas or int(call.estimate_gas(tx) * 1.2) + 10_000
                except ContractCustomError as exc:
                    raise TxReverted(name, error_name(abi, exc.data), str(exc.data)) from exc
                except ContractLogicError as exc:
                    raise TxReverted(name, error_name(abi, exc.data) if exc.data else str(exc),
                                     str(exc.data or "")) from exc
                built = call.build_transaction(tx)
                signed = self.account.sign_transaction(built)
                tx_hash = web3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = web3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
        except TxReverted:
            raise
        except (requests.RequestException, OSError, Web3Exception, ValueError) as exc:
            raise ChainError(self.chain.rpc_url, f"sending {name} failed: {type(exc).__name__}: {exc}") from exc
        if receipt["status"] != 1:
            raise TxReverted(name, "reverted on chain", receipt["transactionHash"].hex())
        return Sent("0x" + bytes(receipt["transactionHash"]).hex().removeprefix("0x"),
                    receipt["blockNumber"], receipt["gasUsed"], list(receipt["logs"]))

    def has_role(self, contract, role_getter: str = "ISSUER_ROLE") -> bool:
        role = getattr(contract.functions, role_getter)().call()
        return bool(contract.functions.hasRole(role, to_checksum_address(self.address)).call())


def make_issuer(settings) -> Issuer | None:
    """The backend's issuer, or None when RESIDENT_ISSUER_KEY is not set (features that write to the
    chain then answer 503 with what to configure)."""
    key = settings.issuer_key.get_secret_value() if settings.issuer_key is not None else ""
    if not key:
        return None
    return Issuer(Chain(settings.rpc_url), key, settings.chain_id)
