"""The one signature verifier: did `address` sign this hash, whatever kind of account it is?

Accepted, in this order:
1. ECDSA (EOAs, and EIP-7702-delegated EOAs, whose key still signs): recovered locally, no chain needed;
2. everything else through the ERC-6492 universal validator run deployless by `eth_call`, exactly as viem's
   `verifyHash` and siwe-py do: it simulates a 6492 wrapper's factory call for a not-yet-deployed account,
   then asks ERC-1271 `isValidSignature(hash, signature) == 0x1626ba7e`. A 7702-delegated EOA answers
   ERC-1271 through its delegate's code (its code is 0xef0100 || delegate), as viem's path does.

A refusal is a falsy `Verdict` whose `reason` is a catalogue code (backend/messages/auth.py, DETAIL kind).
A chain that cannot be asked raises ChainError: "could not check" is not "not signed".
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct, encode_typed_data
from eth_utils import to_checksum_address
from web3.exceptions import ContractLogicError, Web3Exception

from backend.chain.erc6492_validator import BYTECODE as VALIDATOR_BYTECODE
from backend.errors import ChainError

ERC6492_MAGIC = bytes.fromhex("64926492" * 8)
EIP7702_PREFIX = bytes.fromhex("ef0100")
MAX_SIGNATURE_BYTES = 16_384  # a 6492 wrapper carries the factory's calldata (passkey accounts: ~1-2 KB)


@dataclass(frozen=True)
class Verdict:
    """`ok` and how (kind: eoa, eip7702, erc1271, erc6492), or why not (`reason`, a catalogue code)."""

    ok: bool
    kind: str | None = None
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def _refused(reason: str) -> Verdict:
    return Verdict(False, reason=reason)


def as_bytes(signature: bytes | str) -> bytes | None:
    """Signature bytes from bytes or (0x-)hex; None when it is not that."""
    if isinstance(signature, (bytes, bytearray)):
        return bytes(signature)
    if not isinstance(signature, str):
        return None
    text = signature[2:] if signature.startswith(("0x", "0X")) else signature
    if len(text) % 2:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def unwrap_6492(signature: bytes) -> tuple[str, bytes, bytes] | None:
    """(factory, factoryCalldata, inner signature) of an ERC-6492 wrapper, or None when it is not one."""
    if len(signature) <= 32 or not signature.endswith(ERC6492_MAGIC):
        return None
    try:
        factory, calldata, inner = abi_decode(["address", "bytes", "bytes"], signature[:-32])
    except Exception:  # noqa: BLE001 - eth-abi raises several kinds for bytes that are not this tuple
        return None
    return to_checksum_address(factory), bytes(calldata), bytes(inner)


def recover(hash_: bytes, signature: bytes) -> str | None:
    """The address whose key made this 65-byte ECDSA signature of `hash_`, or None."""
    if len(signature) != 65:
        return None
    try:
        return to_checksum_address(Account._recover_hash(hash_, signature=signature))
    except Exception:  # noqa: BLE001 - eth-keys raises several kinds for malformed (r, s, v)
        return None


def message_hash(message: str | bytes) -> bytes:
    """EIP-191 personal_sign hash of `message` (text as UTF-8)."""
    signable = encode_defunct(text=message) if isinstance(message, str) else encode_defunct(primitive=message)
    return bytes(_hash_eip191_message(signable))


def typed_data_hash(typed_data: dict) -> bytes:
    """EIP-712 hash of a full typed-data document (types, primaryType, domain, message)."""
    return bytes(_hash_eip191_message(encode_typed_data(full_message=typed_data)))


def verify_message(chain, address: str, message: str | bytes, signature: bytes | str) -> Verdict:
    """Whether `address` signed `message` with personal_sign (EIP-191)."""
    return verify_hash(chain, address, message_hash(message), signature)


def verify_typed_data(chain, address: str, typed_data: dict, signature: bytes | str) -> Verdict:
    """Whether `address` signed `typed_data` with eth_signTypedData_v4 (EIP-712)."""
    return verify_hash(chain, address, typed_data_hash(typed_data), signature)


def verify_hash(chain, address: str, hash_: bytes, signature: bytes | str) -> Verdict:
    """Whether `address` signed the 32-byte `hash_`: EOA, EIP-7702, ERC-1271 or ERC-6492 (see module doc).

    `chain` is a backend.chain.client.Chain; it is asked only when ECDSA does not already prove it.
    """
    raw = as_bytes(signature)
    if not raw or len(raw) > MAX_SIGNATURE_BYTES or len(hash_) != 32:
        return _refused("signature_malformed")
    address = to_checksum_address(address)
    wrapped = unwrap_6492(raw)
    if wrapped is None and recover(hash_, raw) == address:
        return Verdict(True, kind="eoa")  # the key itself (also of a 7702-delegated EOA): no chain needed
    if chain is None:
        return _refused("signature_wrong_signer")
    code = _code(chain, address)
    if wrapped is None and not code:
        return _refused("signature_wrong_signer")  # no key of this address made it, and no contract is there
    if _universal_validator(chain, address, hash_, raw):
        if wrapped is not None:
            return Verdict(True, kind="erc6492")
        return Verdict(True, kind="eip7702" if code.startswith(EIP7702_PREFIX) else "erc1271")
    if wrapped is not None and not code and not _factory_call_succeeds(chain, wrapped[0], wrapped[1]):
        return _refused("signature_deploy_failed")
    return _refused("signature_contract_refused")


def _code(chain, address: str) -> bytes:
    try:
        return bytes(chain.web3.eth.get_code(address))
    except (requests.RequestException, OSError, Web3Exception) as exc:
        raise ChainError(chain.rpc_url, f"reading the code of {address} failed: {exc}") from None


def _universal_validator(chain, address: str, hash_: bytes, signature: bytes) -> bool:
    """eth_call of the validator's creation code + abi.encode(signer, hash, signature) (viem's deployless
    `encodeDeployData`); its one-byte answer 0x01 means valid. A revert means not valid (viem: false)."""
    data = VALIDATOR_BYTECODE + abi_encode(["address", "bytes32", "bytes"], [address, hash_, signature])
    try:
        answer = chain.web3.eth.call({"data": "0x" + data.hex()})
    except (ContractLogicError, ValueError):
        return False
    except (requests.RequestException, OSError, Web3Exception) as exc:
        raise ChainError(chain.rpc_url, f"signature check of {address} failed: {exc}") from None
    return int.from_bytes(bytes(answer) or b"\0", "big") == 1


def _factory_call_succeeds(chain, factory: str, calldata: bytes) -> bool:
    """Only to name the reason of a refusal: would the wrapper's factory call itself go through?"""
    try:
        chain.web3.eth.call({"to": factory, "data": "0x" + calldata.hex()})
    except (ContractLogicError, ValueError):
        return False
    except (requests.RequestException, OSError, Web3Exception) as exc:
        raise ChainError(chain.rpc_url, f"factory call of {factory} failed: {exc}") from None
    return True
