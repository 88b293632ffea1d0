"""A software passkey for the contract tests: a real P-256 key (`cryptography`) that signs
WebAuthn assertions the way an authenticator and browser do (authenticatorData, clientDataJSON),
encoded as OpenZeppelin's WebAuthn.WebAuthnAuth expects. Not a fake verifier: the account on
anvil checks the signature with OpenZeppelin's WebAuthn and P256 code."""

import base64
import hashlib
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from eth_abi import encode
from eth_utils import keccak

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
FLAGS_UP_UV = 0x05


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Passkey:
    def __init__(self, rp_id="resident.example", origin="https://resident.example"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.rp_id, self.origin = rp_id, origin
        self.counter = 0

    @property
    def public_key(self) -> tuple[bytes, bytes]:
        numbers = self.key.public_key().public_numbers()
        return numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")

    def sign(self, challenge: bytes, flags: int = FLAGS_UP_UV) -> bytes:
        """A WebAuthnAuth signature over `challenge` (the 32-byte hash the account asks for)."""
        self.counter += 1
        auth_data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + self.counter.to_bytes(4, "big")
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": b64url(challenge), "origin": self.origin, "crossOrigin": False},
            separators=(",", ":"),
        )
        der = self.key.sign(auth_data + hashlib.sha256(client_data.encode()).digest(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        s = min(s, P256_N - s)  # OpenZeppelin's P256 takes only the low-s form
        return encode(
            ["bytes32", "bytes32", "uint256", "uint256", "bytes", "string"],
            [
                r.to_bytes(32, "big"),
                s.to_bytes(32, "big"),
                client_data.index('"challenge":"'),
                client_data.index('"type":"'),
                auth_data,
                client_data,
            ],
        )


def personal_sign_hash(account, chain_id: int, message_hash: bytes) -> bytes:
    """ERC-7739: the account-domain PersonalSign hash the passkey signs for `message_hash`."""
    domain = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak(b"ResidentAccount"),
                keccak(b"1"),
                chain_id,
                account,
            ],
        )
    )
    struct = keccak(encode(["bytes32", "bytes32"], [keccak(b"PersonalSign(bytes prefixed)"), message_hash]))
    return keccak(b"\x19\x01" + domain + struct)
