"""What a passkey account signs, and the signature bytes its `isValidSignature` takes (signer side only).

A passkey account (contracts/accounts/ResidentAccount.sol: OpenZeppelin SignerWebAuthn + ERC7739) accepts a
hash only as the ERC-7739 nested hash under its own EIP-712 domain, so a signature for one account is never
valid for another account of the same passkey:
- a personal message (EIP-191 hash `h`): the passkey signs
  `keccak(0x1901 ‖ accountSeparator ‖ keccak(keccak("PersonalSign(bytes prefixed)") ‖ h))`;
- typed data (ballots, claim requests): the `TypedDataSign` struct of the contents under the app's domain,
  and the signature carries `appSeparator ‖ contentsHash ‖ contentsDescr ‖ uint16(len)` after the WebAuthn
  part (OZ ERC7739Utils.encodeTypedDataSig).
The passkey signs by putting that hash in the WebAuthn challenge; the WebAuthn part is the ABI tuple
(r, s, challengeIndex, typeIndex, authenticatorData, clientDataJSON) that OZ WebAuthn.tryDecodeAuth reads,
with s made low (P256.verify refuses s > n/2). Before the account is deployed, the signature is wrapped per
ERC-6492 with the factory and its createAccount calldata.

Nothing here verifies: the one verifier is backend/chain/signatures.py (the account's code, by eth_call).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account._utils.encode_typed_data.encoding_and_hashing import encode_type, hash_domain, hash_struct
from eth_utils import keccak, to_checksum_address

from backend.chain.signatures import ERC6492_MAGIC

ACCOUNT_NAME, ACCOUNT_VERSION = "ResidentAccount", "1"  # ResidentAccount's EIP712(...) constructor arguments
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_PERSONAL_SIGN_TYPEHASH = keccak(text="PersonalSign(bytes prefixed)")
_CREATE_ACCOUNT = keccak(text="createAccount(bytes32,bytes32)")[:4]
_AUTH_TUPLE = ["bytes32", "bytes32", "uint256", "uint256", "bytes", "string"]


@dataclass(frozen=True)
class ToSign:
    """The WebAuthn challenge (the account-domain hash) and what follows the WebAuthn part in the signature."""

    challenge: bytes
    suffix: bytes = b""


def account_separator(chain_id: int, account: str) -> bytes:
    """The account's EIP-712 domain separator (each clone's own: verifyingContract is the clone)."""
    return keccak(abi_encode(["bytes32", "bytes32", "bytes32", "uint256", "address"],
                             [_DOMAIN_TYPEHASH, keccak(text=ACCOUNT_NAME), keccak(text=ACCOUNT_VERSION), chain_id,
                              to_checksum_address(account)]))


def personal_sign(hash_: bytes, chain_id: int, account: str) -> ToSign:
    """ERC-7739 PersonalSign of an EIP-191 hash (a sign-in message)."""
    struct = keccak(_PERSONAL_SIGN_TYPEHASH + hash_)
    return ToSign(keccak(b"\x19\x01" + account_separator(chain_id, account) + struct))


def typed_data_sign(typed_data: dict, chain_id: int, account: str) -> ToSign:
    """ERC-7739 TypedDataSign of a full EIP-712 document (implicit mode: contentsDescr is its encodeType)."""
    types = {name: fields for name, fields in typed_data["types"].items() if name != "EIP712Domain"}
    primary = typed_data["primaryType"]
    app_separator = hash_domain(typed_data["domain"])
    contents_hash = hash_struct(primary, types, typed_data["message"])
    contents_type = encode_type(primary, types)
    typehash = keccak(text=f"TypedDataSign({primary} contents,string name,string version,uint256 chainId,"
                           f"address verifyingContract,bytes32 salt){contents_type}")
    domain_bytes = abi_encode(["bytes32", "bytes32", "uint256", "address", "bytes32"],
                              [keccak(text=ACCOUNT_NAME), keccak(text=ACCOUNT_VERSION), chain_id,
                               to_checksum_address(account), b"\0" * 32])
    struct = keccak(typehash + contents_hash + domain_bytes)
    descr = contents_type.encode()
    return ToSign(keccak(b"\x19\x01" + app_separator + struct),
                  app_separator + contents_hash + descr + len(descr).to_bytes(2, "big"))


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def webauthn_auth(authenticator_data: bytes, client_data_json: bytes, der_signature: bytes) -> bytes:
    """The WebAuthnAuth tuple OZ decodes, from an assertion's raw parts (ValueError when they are not one)."""
    text = client_data_json.decode()
    challenge_index, type_index = text.find('"challenge":"'), text.find('"type":"webauthn.get"')
    if challenge_index < 0 or type_index < 0:
        raise ValueError("clientDataJSON has no challenge or is not an assertion")
    r, s = decode_dss_signature(der_signature)
    if s > P256_N // 2:
        s = P256_N - s  # the same signature, in the form P256.verify accepts
    return abi_encode(_AUTH_TUPLE, [r.to_bytes(32, "big"), s.to_bytes(32, "big"), challenge_index, type_index,
                                    authenticator_data, text])


def from_assertion(response: dict, to_sign: ToSign) -> bytes:
    """The account signature of a WebAuthn assertion response (base64url fields, as the page posts them)."""
    auth = webauthn_auth(_unb64url(response["authenticatorData"]), _unb64url(response["clientDataJSON"]),
                         _unb64url(response["signature"]))
    return auth + to_sign.suffix


def decode_auth(signature: bytes) -> tuple[bytes, bytes]:
    """(authenticatorData, clientDataJSON) of an account signature (ValueError when it is not one)."""
    _, _, _, _, authenticator_data, client_data = abi_decode(_AUTH_TUPLE, signature)
    return bytes(authenticator_data), client_data.encode()


def create_account_calldata(qx: bytes, qy: bytes) -> bytes:
    return _CREATE_ACCOUNT + abi_encode(["bytes32", "bytes32"], [qx, qy])


def wrap_6492(signature: bytes, factory: str, qx: bytes, qy: bytes) -> bytes:
    """ERC-6492: abi.encode(factory, factoryCalldata, signature) ‖ magic, for an account not deployed yet."""
    return abi_encode(["address", "bytes", "bytes"],
                      [to_checksum_address(factory), create_account_calldata(qx, qy), signature]) + ERC6492_MAGIC
