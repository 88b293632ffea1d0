"""Venue passes: short-lived, single-use, signed QR payloads bound to a card and a perk.

A pass is stateless: everything the venue check needs is inside it, signed
with HMAC-SHA256 under a key derived from `settings.pass_secret` for this one
purpose. Nothing is stored when a pass is issued; single use comes from the
redemptions table, whose UNIQUE(pass_id) lets exactly one redemption of a pass
commit (see backend/venues/redeem.py).

Wire format (version 1), base64url without padding after the prefix "rp1.":

    payload = version u8 | chain_id u64 | contract 20 bytes | owner 20 bytes
              | perk_id u32 | expires_at u32 | pass_id 16 random bytes
              | token_id length u8 | token_id big-endian (minimal bytes)
    pass    = "rp1." + b64url(payload + HMAC-SHA256(key, payload))

About 140 characters for a typical card: small enough for a QR code a phone
camera reads at a glance. The owner at issue time is bound so that a card
transferred after the pass was made is refused at redeem time.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
import time
from dataclasses import dataclass

from backend.auth.secrets import secrets_equal
from backend.errors import ResidentError
from backend.messages import texts

PREFIX = "rp1."
VERSION = 1
PURPOSE = b"resident/venue-pass/v1"
DEFAULT_TTL = 90  # seconds; the app uses Settings.pass_lifetime (same default), this is for scripts and tests
MAX_TTL = 600  # Settings.pass_lifetime has the same bound
_HEAD = struct.Struct(">BQ20s20sII16sB")
_MAC_LEN = 32
MAX_PASS_CHARS = 256


@dataclass(frozen=True, slots=True)
class Pass:
    """What a verified pass says."""

    chain_id: int
    contract: bytes  # 20 raw bytes
    owner: bytes  # 20 raw bytes; the holder when the pass was made
    perk_id: int
    expires_at: int
    pass_id: bytes  # 16 random bytes
    token_id: int

    @property
    def pass_id_hex(self) -> str:
        return self.pass_id.hex()


class PassError(ResidentError):
    """Raised when a pass cannot be accepted; carries a stable code and the reason in Japanese and English."""

    def __init__(self, code: str, detail: str | None = None) -> None:
        self.code = code
        said = texts(code)  # backend/messages/venues.py
        self.message_ja, self.message_en = said.ja, said.en
        super().__init__(detail or self.message_en)


def derive_key(pass_secret: str | bytes) -> bytes:
    """The pass-signing key: the secret tagged with this purpose, so it never doubles as another key."""
    secret = pass_secret.encode() if isinstance(pass_secret, str) else pass_secret
    return hmac.digest(secret, PURPOSE, "sha256")


class PassSigner:
    """Issues and verifies passes for one chain under one key (build once; verification is a few microseconds)."""

    def __init__(self, pass_secret: str | bytes, chain_id: int, ttl: int = DEFAULT_TTL) -> None:
        if not 1 <= ttl <= MAX_TTL:
            raise ValueError(f"pass ttl must be between 1 and {MAX_TTL} seconds (got {ttl})")
        self._key = derive_key(pass_secret)
        self.chain_id = chain_id
        self.ttl = ttl

    def issue(self, *, contract: str | bytes, token_id: int, owner: str | bytes, perk_id: int,
              now: float | None = None) -> tuple[str, Pass]:
        """Makes a new pass; returns (the QR text, what it says)."""
        now = time.time() if now is None else now
        if token_id < 0 or token_id >= 1 << 256:
            raise ValueError(f"token_id out of range: {token_id}")
        p = Pass(
            chain_id=self.chain_id,
            contract=_address_bytes(contract),
            owner=_address_bytes(owner),
            perk_id=perk_id,
            expires_at=int(now) + self.ttl,
            pass_id=secrets.token_bytes(16),
            token_id=token_id,
        )
        return self.encode(p), p

    def encode(self, p: Pass) -> str:
        token = p.token_id.to_bytes(max(1, (p.token_id.bit_length() + 7) // 8), "big")
        return self.seal(_HEAD.pack(VERSION, p.chain_id, p.contract, p.owner, p.perk_id, p.expires_at, p.pass_id,
                                    len(token)) + token)

    def seal(self, payload: bytes) -> str:
        """The pass text of `payload` (what a pass says), signed."""
        mac = hmac.digest(self._key, payload, "sha256")
        return PREFIX + base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode("ascii")

    def payload_of(self, text: str) -> bytes:
        """What the pass `text` says, without its signature: for a desk code's row (backend/venues/desk_codes.py),
        which must not be a pass itself."""
        body = text[len(PREFIX):]
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))[:-_MAC_LEN]

    def verify(self, text: str, now: float | None = None) -> Pass:
        """Returns what the pass says if it is genuine, for this chain, and not expired; else raises PassError.

        Says nothing about single use: that is the redemption's unique pass id.
        """
        if not isinstance(text, str) or not text.startswith(PREFIX) or len(text) > MAX_PASS_CHARS:
            raise PassError("pass_malformed")
        body = text[len(PREFIX):]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (ValueError, TypeError):
            raise PassError("pass_malformed") from None
        if len(raw) < _HEAD.size + 1 + _MAC_LEN:
            raise PassError("pass_malformed")
        payload, mac = raw[:-_MAC_LEN], raw[-_MAC_LEN:]
        # Check the signature before trusting any field (constant-time compare).
        if not secrets_equal(hmac.digest(self._key, payload, "sha256"), mac):
            raise PassError("pass_forged")
        version, chain_id, contract, owner, perk_id, expires_at, pass_id, token_len = _HEAD.unpack_from(payload)
        token = payload[_HEAD.size:]
        if version != VERSION or len(token) != token_len or not 1 <= token_len <= 32:
            raise PassError("pass_malformed")
        if chain_id != self.chain_id:
            raise PassError("pass_wrong_chain")
        now = time.time() if now is None else now
        if now >= expires_at:
            raise PassError("pass_expired")
        return Pass(chain_id, contract, owner, perk_id, expires_at, pass_id, int.from_bytes(token, "big"))


def _address_bytes(address: str | bytes) -> bytes:
    if isinstance(address, bytes):
        raw = address
    else:
        text = address[2:] if address[:2] in ("0x", "0X") else address
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise ValueError(f"not an address: {address!r}") from None
    if len(raw) != 20:
        raise ValueError(f"not a 20-byte address: {address!r}")
    return raw

