"""A software authenticator for the backend tests: a real P-256 key (`cryptography`) answering WebAuthn
registration (attestation "none") and assertion requests as a browser passes them on, JSON-encoded as
PublicKeyCredential.toJSON() does. The server side is the real `webauthn` library; only the phone's
authenticator is software here (the browser tests use Chromium's virtual authenticator)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    def __init__(self, rp_id: str = "testserver", origin: str = "http://testserver") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.rp_id, self.origin = rp_id, origin
        self.counter = 0

    @property
    def xy(self) -> tuple[bytes, bytes]:
        numbers = self.key.public_key().public_numbers()
        return numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")

    def _client_data(self, kind: str, options: dict, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": options["challenge"], "origin": origin or self.origin,
                           "crossOrigin": False}, separators=(",", ":")).encode()  # compact, as the spec serialises it

    def _auth_data(self, flags: int, rp_id: str | None) -> bytes:
        return (hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([flags])
                + self.counter.to_bytes(4, "big"))

    def register(self, options: dict, *, origin: str | None = None, rp_id: str | None = None) -> dict:
        x, y = self.xy
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + cose
        auth_data = self._auth_data(UP | UV | AT, rp_id) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                "response": {"clientDataJSON": b64url(self._client_data("webauthn.create", options, origin)),
                             "attestationObject": b64url(attestation), "transports": ["internal"]},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}

    def assert_(self, options: dict, *, origin: str | None = None, rp_id: str | None = None,
                counter: int | None = None) -> dict:
        self.counter = self.counter + 1 if counter is None else counter
        auth_data = self._auth_data(UP | UV, rp_id)
        client_data = self._client_data("webauthn.get", options, origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": b64url(self.credential_id), "rawId": b64url(self.credential_id), "type": "public-key",
                "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                             "signature": b64url(signature), "userHandle": None},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}
