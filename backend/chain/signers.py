"""Who signs for the backend: a `Signer` per role (issuer, relayer, voucher signer), never a bare key.

- `LocalSigner`: a raw key in memory (development and `make run` only; production refuses it).
- `KeystoreSigner`: a standard V3 keystore JSON file, its passphrase read from a file (a secret mount), decrypted
  once at start.
- `RemoteSigner`: a signer process over JSON-RPC (HTTP) that holds the key: Web3Signer's `eth_signTransaction`
  (answers the signed raw transaction as hex) and `eth_signTypedData` / `eth_signTypedData_v4` (answers the
  65-byte signature), or Clef's `account_signTransaction` (answers `{"raw": ..., "tx": ...}`) and
  `account_signTypedData`. The backend never trusts the answer blindly: it recovers the raw transaction's sender
  and the typed data's signer and refuses one that is not the signer's address.

A signer spec (RESIDENT_ISSUER_SIGNER, RESIDENT_RELAYER_SIGNER, RESIDENT_VOUCHER_SIGNER) names one:

    keystore:/path/key.json?passphrase_file=/path/pass
    remote:https://signer.internal:9000?address=0xABC...            (Web3Signer's protocol, the default)
    remote:http://127.0.0.1:8550?address=0xABC...&protocol=clef      (Clef's account_* methods)
    local:0x<64 hex>                                                 (development only)

No signer's repr, str or error ever contains its key, its passphrase or the signer URL's credentials.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import requests
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from backend.chain.redaction import shown_url
from backend.errors import ResidentError


class SignerError(ResidentError):
    """A signer could not be built or refused to sign; the message names what to fix, never a secret."""


class Signer(Protocol):
    @property
    def address(self) -> str: ...

    def sign_transaction(self, tx: dict) -> tuple[bytes, str]:
        """The signed raw transaction of `tx` (complete: nonce, gas, fees, chain id) and its hash (0x hex)."""

    def sign_typed_data(self, full_message: dict) -> bytes:
        """The 65-byte EIP-712 signature (r, s, v) of `full_message` (types, primaryType, domain, message)."""


def _signed(signed) -> tuple[bytes, str]:
    return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()


class LocalSigner:
    """A raw key held in memory. Development only: production refuses a `local:` spec and RESIDENT_ISSUER_KEY."""

    kind = "local"

    def __init__(self, private_key: str | bytes) -> None:
        self.__account = Account.from_key(private_key)

    @property
    def address(self) -> str:
        return self.__account.address

    def sign_transaction(self, tx: dict) -> tuple[bytes, str]:
        return _signed(self.__account.sign_transaction({k: v for k, v in tx.items() if k != "from"}))

    def sign_typed_data(self, full_message: dict) -> bytes:
        return bytes(self.__account.sign_typed_data(full_message=full_message).signature)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.address})"

    __str__ = __repr__


class KeystoreSigner(LocalSigner):
    """A V3 keystore file, decrypted once with the passphrase read from `passphrase_file`."""

    kind = "keystore"

    def __init__(self, keystore_file: str | Path, passphrase_file: str | Path) -> None:
        keystore_file, passphrase_file = Path(keystore_file), Path(passphrase_file)
        try:
            keystore = json.loads(keystore_file.read_text())
        except (OSError, ValueError) as exc:
            raise SignerError(f"cannot read the keystore {keystore_file} ({type(exc).__name__}): give a V3 "
                              f"keystore JSON file the backend may read") from None
        try:
            # One trailing newline is what `echo secret > file` leaves; it is not part of the passphrase.
            passphrase = passphrase_file.read_text().removesuffix("\n")
        except OSError as exc:
            raise SignerError(f"cannot read the passphrase file {passphrase_file} ({type(exc).__name__})") from None
        try:
            key = Account.decrypt(keystore, passphrase)
        except (ValueError, KeyError, TypeError):
            raise SignerError(f"the passphrase in {passphrase_file} does not open the keystore {keystore_file}"
                              ) from None
        finally:
            del passphrase
        super().__init__(key)
        self.keystore_file = keystore_file
        expected = keystore.get("address")
        if expected and to_checksum_address("0x" + expected.removeprefix("0x")) != self.address:
            raise SignerError(f"the keystore {keystore_file} names another address than its key's")

    def __repr__(self) -> str:
        return f"KeystoreSigner({self.address}, {self.keystore_file})"

    __str__ = __repr__


def _quantity(value: int) -> str:
    return hex(int(value))


def _hexdata(value: Any) -> str:
    return value if isinstance(value, str) else "0x" + bytes(value).hex()


def rpc_transaction(tx: dict, sender: str) -> dict:
    """`tx` (web3.py's form: ints, camelCase) as the JSON-RPC transaction object: quantities as 0x hex."""
    out: dict[str, Any] = {"from": sender}
    for key, value in tx.items():
        if key in ("from",):
            continue
        if key in ("to",):
            out[key] = to_checksum_address(value) if value else None
        elif key in ("data", "input"):
            out["data"] = _hexdata(value)
        elif key == "accessList":
            out[key] = list(value)
        elif key == "type":
            out[key] = _quantity(int(value, 16) if isinstance(value, str) else value)
        else:  # nonce, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas, value, chainId
            out[key] = _quantity(value)
    return out


class RemoteSigner:
    """A signer process over JSON-RPC: Web3Signer's protocol (`protocol="web3signer"`) or Clef's (`"clef"`)."""

    kind = "remote"

    def __init__(self, url: str, address: str, *, protocol: str = "web3signer", timeout: float = 10) -> None:
        if protocol not in ("web3signer", "clef"):
            raise SignerError(f"unknown remote signer protocol {protocol!r}: use web3signer or clef")
        self.__url = url
        self.url = shown_url(url)  # the one shown in logs and errors
        self._address = to_checksum_address(address)
        self.protocol = protocol
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._session = requests.Session()

    @property
    def address(self) -> str:
        return self._address

    def _call(self, method: str, params: list) -> Any:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        try:
            response = self._session.post(self.__url, json=body, timeout=self.timeout)
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SignerError(f"the signer at {self.url} did not answer {method} ({type(exc).__name__})") from None
        if answer.get("error"):
            error = answer["error"]
            message = error.get("message", "") if isinstance(error, dict) else str(error)
            raise SignerError(f"the signer at {self.url} refused {method}: {message[:200]}")
        return answer.get("result")

    def sign_transaction(self, tx: dict) -> tuple[bytes, str]:
        request = rpc_transaction(tx, self.address)
        if self.protocol == "clef":
            # Clef: account_signTransaction(tx, methodSignature?) answers {"raw": "0x...", "tx": {...}}.
            result = self._call("account_signTransaction", [request])
        else:
            # Web3Signer: eth_signTransaction([tx]) answers the signed transaction, RLP (typed envelope) as hex.
            result = self._call("eth_signTransaction", [request])
        raw_hex = result.get("raw") if isinstance(result, dict) else result
        if not isinstance(raw_hex, str) or not raw_hex.startswith("0x"):
            raise SignerError(f"the signer at {self.url} answered no signed transaction")
        raw = bytes.fromhex(raw_hex[2:])
        try:
            sender = Account.recover_transaction(raw)
        except Exception:  # eth-account raises several types for a malformed transaction
            raise SignerError(f"the signer at {self.url} answered a malformed transaction") from None
        if sender != self.address:
            raise SignerError(f"the signer at {self.url} signed as {sender}, not {self.address}")
        return raw, "0x" + keccak(raw).hex()

    def sign_typed_data(self, full_message: dict) -> bytes:
        message = _json_typed_data(full_message)
        method = "account_signTypedData" if self.protocol == "clef" else "eth_signTypedData"
        result = self._call(method, [self.address, message])
        if not isinstance(result, str) or not result.startswith("0x") or len(result) != 132:
            raise SignerError(f"the signer at {self.url} answered no 65-byte signature")
        signature = bytes.fromhex(result[2:])
        try:
            signer = Account.recover_message(encode_typed_data(full_message=full_message), signature=signature)
        except Exception:
            raise SignerError(f"the signer at {self.url} answered a malformed signature") from None
        if signer != self.address:
            raise SignerError(f"the signer at {self.url} signed as {signer}, not {self.address}")
        return signature

    def __repr__(self) -> str:
        return f"RemoteSigner({self.address}, {self.url}, {self.protocol})"

    __str__ = __repr__


def _json_typed_data(value: Any) -> Any:
    """EIP-712 typed data as JSON carries it: bytes as 0x hex (ints stay numbers, as eth_signTypedData_v4 takes)."""
    if isinstance(value, dict):
        return {key: _json_typed_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_typed_data(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return value


def signer_from_spec(spec: str) -> LocalSigner | KeystoreSigner | RemoteSigner:
    """The signer a RESIDENT_*_SIGNER spec names (see the module docstring)."""
    kind, _, rest = spec.strip().partition(":")
    if kind == "local":
        try:
            return LocalSigner(rest)
        except (ValueError, TypeError):
            raise SignerError("a local: signer spec takes a 32-byte hex private key") from None
    if kind == "keystore":
        path, _, query = rest.partition("?")
        passphrase = parse_qs(query).get("passphrase_file", [""])[0]
        if not path or not passphrase:
            raise SignerError("a keystore: signer spec is keystore:/path/key.json?passphrase_file=/path/pass")
        return KeystoreSigner(path, passphrase)
    if kind == "remote":
        parts = urlsplit(rest)
        query = parse_qs(parts.query)
        address = query.pop("address", [""])[0]
        protocol = query.pop("protocol", ["web3signer"])[0]
        if parts.scheme not in ("http", "https") or not address:
            raise SignerError("a remote: signer spec is remote:https://host:port?address=0x... [&protocol=clef]")
        url = parts._replace(query="&".join(f"{k}={v}" for k, vs in query.items() for v in vs)).geturl()
        try:
            return RemoteSigner(url, address, protocol=protocol)
        except ValueError:
            raise SignerError("the address in a remote: signer spec is not an address") from None
    raise SignerError("a signer spec starts with keystore:, remote: or (development only) local:")
