"""Secrets the backend must read back (a forum's DiscourseConnect secret, a staff member's TOTP seed) are kept
in the database encrypted: AES-256-GCM under a key derived from Settings.sealing_key, one derived key per
purpose, and the purpose and row bound in as associated data, so a sealed value copied into another column
or row does not open.

Hashing is for what we only compare (passwords, tokens: backend/auth/secrets.py); sealing is for what we
must use again.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_NONCE_BYTES = 12


class SealBroken(ValueError):
    """The sealed value was not made under this key for this purpose and row (or was altered)."""


def _key(sealing_key: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"resident/sealed",
                info=purpose.encode("utf-8")).derive(sealing_key.encode("utf-8"))


def seal(sealing_key: str, purpose: str, plaintext: str, *, bound_to: str = "") -> str:
    """`v1.<base64url(nonce ‖ ciphertext ‖ tag)>`. `bound_to` names the row (e.g. "forum:3")."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(sealing_key, purpose)).encrypt(nonce, plaintext.encode("utf-8"),
                                                        f"{purpose}|{bound_to}".encode("utf-8"))
    return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def unseal(sealing_key: str, purpose: str, value: str, *, bound_to: str = "") -> str:
    version, _, body = value.partition(".")
    if version != _VERSION or not body:
        raise SealBroken("not a sealed value")
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        opened = AESGCM(_key(sealing_key, purpose)).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                                            f"{purpose}|{bound_to}".encode("utf-8"))
    except (InvalidTag, ValueError) as error:
        raise SealBroken("the sealed value does not open with this key, purpose and row") from error
    return opened.decode("utf-8")
