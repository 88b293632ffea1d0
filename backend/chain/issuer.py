"""Transactions the backend itself sends, signed with the municipality's issuer key.

Automatic premium renewal, revocation after inactivity, a prefecture's card
issued with a city's, campaigns created from the staff console: each is one
contract call sent through `Issuer.send`, which signs locally (the node never
holds the key), waits for the receipt and turns a revert into `TxReverted`
naming the contract's custom error.

The key is held by a signer (backend/chain/signers.py): RESIDENT_ISSUER_SIGNER names a keystore file or a
remote signer. `make run` sets RESIDENT_ISSUER_KEY instead, anvil's first development account (the deployer,
which holds ISSUER_ROLE on the demo card); production refuses any raw key (see settings).
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from eth_utils import to_checksum_address
from web3.exceptions import ContractLogicError, Web3Exception

from backend.chain import networks
from backend.chain.client import Chain
from backend.chain.networks import Network, fee_quote
from backend.chain.reverts import Revert, decode_revert
from backend.chain.signers import LocalSigner, Signer, signer_from_spec
from backend.errors import ChainError, ResidentError
from backend.settings import ANVIL_DEV_KEY  # noqa: F401  (re-exported for make run and tests)

log = logging.getLogger(__name__)


class TxReverted(ResidentError):
    """The contract refused the call; `error` is its custom error's name when the ABI knows it, `revert` the
    decoded error with its values."""

    def __init__(self, function: str, error: str, data: str = "", revert: Revert | None = None) -> None:
        self.function = function
        self.error = error
        self.data = data
        self.revert = revert or Revert(error, data=data)
        super().__init__(f"{function} reverted: {self.revert if revert else error}")


@dataclass(frozen=True)
class Broadcast:
    """A transaction handed to the node, as an observer of the issuer sees it."""

    tx_hash: str
    chain_id: int
    sender: str
    to: str | None  # the contract called
    function: str  # its name, or the 4-byte selector when the caller did not say
    actor: object | None  # whoever the issuer was acting for (`Issuer.acting_for`), None for the system


# Called once per broadcast transaction (the audit log, set by backend/services.py). A failing observer is
# logged and ignored: the transaction is out, and its caller must learn its hash, not a bookkeeping error.
Observer = Callable[[Broadcast], None]


@dataclass(frozen=True)
class Sent:
    tx_hash: str
    block_number: int
    gas_used: int
    logs: list  # raw (hex strings): backend.chain.events decodes them


class Issuer:
    """Signs and sends contract calls with one key; one transaction at a time per process.

    Without a key (`address` given instead), the node signs: a development chain's unlocked account, as
    `brownie run` uses on anvil.
    """

    def __init__(self, chain: Chain, private_key: str | bytes | None, chain_id: int, *,
                 address: str | None = None, signer: Signer | None = None, network: Network | None = None) -> None:
        self.chain = chain
        # Fees within the chain's caps (backend/chain/networks.py); a chain without a profile: the node's own.
        self.network = network or networks.known(chain_id)
        # The signer holds the key (a keystore, a remote signer; a raw key only in development): the issuer
        # never sees it. None: the node signs for `address` (a development chain's unlocked account).
        self.signer: Signer | None = signer or (LocalSigner(private_key) if private_key else None)
        if self.signer is None and not address:
            raise ValueError("an issuer needs a signer, a private key or the address of an account the node holds")
        self._address = self.signer.address if self.signer is not None else to_checksum_address(address)
        # Who signs EIP-712 vouchers (the minter's VOUCHER_SIGNER_ROLE): its own key in production
        # (RESIDENT_VOUCHER_SIGNER, set by make_issuer), this issuer's signer otherwise.
        self.voucher_signer: Signer | None = self.signer
        self.chain_id = chain_id
        self._lock = threading.Lock()
        self.observer: Observer | None = None
        # The transaction outbox (backend/chain/outbox), when the app has one: `send` then enqueues and waits
        # for the leader's manager instead of taking a nonce itself.
        self.outbox = None
        self._actor: Callable[[], object | None] = lambda: None

    def acting_for(self, actor: Callable[[], object | None]) -> Issuer:
        """This issuer (same key, same nonce lock, same observer) reporting `actor()` as who asked."""
        bound = copy.copy(self)
        bound._actor = actor
        return bound

    @property
    def address(self) -> str:
        return self._address

    @property
    def nonce_lock(self) -> threading.Lock:
        """Held from taking a nonce to broadcasting, by `send` and by the airdrop, so two transactions of
        this key in the process never get the same nonce."""
        return self._lock

    def send(self, call: Any, *, value: int = 0, gas: int | None = None, timeout: float = 120,
             on_sent: Callable[[str], None] | None = None, idempotency_key: str | None = None,
             municipality_id: int | None = None) -> Sent:
        """Sends `call` (a contract function with its arguments bound) and waits for its receipt.

        Reverts found while estimating gas raise `TxReverted` before anything is sent. on_sent(hash) is
        called once the node has the transaction, before its receipt: a caller can show it as sent.
        Through the outbox, a repeated `idempotency_key` returns the first transaction's result.
        """
        bound = getattr(call, "bound", call)  # backend.chain.client.Function, or web3's own
        name = bound.fn_name
        abi = bound.contract_abi
        if self.outbox is not None and self.signer is not None:
            return self._send_through_outbox(bound, name, abi, value, gas, timeout, on_sent, idempotency_key,
                                             municipality_id)
        try:
            with self._lock:
                tx = {"from": self.address, "value": value, "chainId": self.chain_id,
                      "nonce": self.chain.nonce(self.address, "pending")}
                if self.network is not None:
                    tx.update(fee_quote(self.chain, self.network))
                try:
                    tx["gas"] = gas or int(bound.estimate_gas(tx) * 1.2) + 10_000
                except ContractLogicError as exc:
                    revert = decode_revert(abi, exc)
                    raise TxReverted(name, revert.error, revert.data, revert) from exc
                tx_hash = self.broadcast(bound.build_transaction(tx), function=name)
            if on_sent is not None:
                on_sent(tx_hash)
            receipt = self.chain.wait_for_receipt(tx_hash, timeout, poll=0.1)
        except (TxReverted, ChainError):
            raise
        except (requests.RequestException, OSError, Web3Exception, ValueError) as exc:
            raise ChainError(self.chain.rpc_url, f"sending {name} failed: {type(exc).__name__}: {exc}") from None
        if receipt.status != 1:
            raise TxReverted(name, "reverted on chain", receipt.tx_hash)
        return Sent(receipt.tx_hash, receipt.block_number, receipt.gas_used, receipt.logs)

    def _send_through_outbox(self, bound, name: str, abi: list, value: int, gas: int | None, timeout: float,
                             on_sent: Callable[[str], None] | None, idempotency_key: str | None,
                             municipality_id: int | None) -> Sent:
        from backend.chain.client import ContractReverted
        from backend.chain.outbox import OutboxFailed

        key = idempotency_key or f"send:{uuid.uuid4().hex}"
        to = to_checksum_address(bound.address)
        data = bound._encode_transaction_data()
        try:
            row = self.outbox.enqueue(key, sender=self.address, to=to, data=data, value=value, gas=gas,
                                      purpose=name, abi=abi, municipality_id=municipality_id)
        except ContractReverted as exc:  # simulated before anything is stored, as before the outbox
            raise TxReverted(name, exc.revert.error, exc.revert.data, exc.revert) from exc

        def sent(tx_hash: str) -> None:
            self.observe_outbox(tx_hash, to, data, name)
            if on_sent is not None:
                on_sent(tx_hash)

        try:
            done = self.outbox.wait(row.id, timeout, on_sent=sent)
        except OutboxFailed as exc:
            raise TxReverted(name, (exc.row.error or exc.row.error_code or "failed"), exc.row.tx_hash or "") from None
        return Sent(done.tx_hash, done.block_number, done.gas_used, json.loads(done.logs or "[]"))

    def broadcast(self, tx: dict, before_broadcast: Callable[[str | None], None] | None = None, *,
                  function: str | None = None) -> str:
        """Signs `tx` (complete: nonce, gas, chain id) and hands it to the node; returns its hash.

        before_broadcast(hash) is called first, so a caller can record the hash before the node knows the
        transaction (a kill in between leaves nothing unrecorded); with a node-held key the hash is only
        known after, and before_broadcast gets None. Take `nonce_lock` around choosing the nonce and this.
        """
        if self.signer is None:
            if before_broadcast:
                before_broadcast(None)
            tx_hash = self.chain.send_unlocked({**tx, "from": self.address})
        else:
            raw, tx_hash = self.sign_transaction(tx)
            if before_broadcast:
                before_broadcast(tx_hash)
            self.chain.send_raw(raw)
        self._observe(tx_hash, tx, function)
        return tx_hash

    def sign_transaction(self, tx: dict) -> tuple[bytes, str]:
        """The signed raw transaction of `tx` (complete: nonce, gas, fees, chain id) and its hash, by this
        issuer's signer, without sending it (the transaction manager records it first)."""
        if self.signer is None:
            raise ValueError(f"the node holds {self.address}'s key: it signs only what it sends (send_unlocked)")
        return self.signer.sign_transaction(tx)

    def observe_outbox(self, tx_hash: str, to: str | None, data: str, function: str) -> None:
        """Tells the observer (the audit log) of a transaction of this key the outbox sent (Issuer.send's, an
        airdrop batch's): the manager signs and broadcasts, the caller reports it once it has its hash."""
        self._observe(tx_hash, {"to": to, "data": data, "chainId": self.chain_id}, function)

    def _observe(self, tx_hash: str, tx: dict, function: str | None) -> None:
        if self.observer is None:
            return
        data = tx.get("data") or tx.get("input") or ""
        data = data if isinstance(data, str) else "0x" + bytes(data).hex()
        to = tx.get("to")
        try:
            self.observer(Broadcast(tx_hash, int(tx.get("chainId") or self.chain_id), self.address,
                                    to_checksum_address(to) if to else None, function or data[:10],
                                    self._actor()))
        except Exception:
            log.exception("the observer of transaction %s failed", tx_hash)

    def has_role(self, contract, role_getter: str = "ISSUER_ROLE") -> bool:
        role = getattr(contract.functions, role_getter)().call()
        return bool(contract.functions.hasRole(role, to_checksum_address(self.address)).call())


def make_issuer(settings, voucher_signer: Signer | None = None) -> Issuer | None:
    """The backend's issuer, or None when neither RESIDENT_ISSUER_SIGNER nor (development) RESIDENT_ISSUER_KEY
    is set (features that write to the chain then answer 503 with what to configure). Vouchers are signed by
    `voucher_signer` (RESIDENT_VOUCHER_SIGNER), or by the issuer's own signer when that is not set."""
    signer = issuer_signer(settings)
    if signer is None:
        return None
    issuer = Issuer(Chain.of(settings), None, settings.chain_id, signer=signer, network=settings.network)
    issuer.voucher_signer = voucher_signer or signer_for(settings, "voucher") or signer
    return issuer


def make_relayer(settings) -> Issuer | None:
    """The sender of sponsored claims (RESIDENT_RELAYER_SIGNER): its own key, so its nonces never race the
    issuer's and it holds no contract role; None when it is unset."""
    signer = signer_for(settings, "relayer")
    if signer is None and settings.relayer_key is not None and settings.relayer_key.get_secret_value():
        signer = LocalSigner(settings.relayer_key.get_secret_value())  # development; production refuses it
    if signer is None:
        return None
    return Issuer(Chain.of(settings), None, settings.chain_id, signer=signer, network=settings.network)


def signer_for(settings, role: str) -> Signer | None:
    """The signer RESIDENT_<ROLE>_SIGNER names (role: issuer, relayer, voucher), or None when it is unset."""
    spec = getattr(settings, f"{role}_signer")
    return signer_from_spec(spec.get_secret_value()) if spec is not None else None


def issuer_signer(settings) -> Signer | None:
    """RESIDENT_ISSUER_SIGNER, else (development: production refuses it) the raw RESIDENT_ISSUER_KEY."""
    signer = signer_for(settings, "issuer")
    if signer is None and settings.issuer_key is not None and settings.issuer_key.get_secret_value():
        signer = LocalSigner(settings.issuer_key.get_secret_value())
    return signer
