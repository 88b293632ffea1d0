"""Sign-In with Ethereum (EIP-4361): message checks and signature verification.

The `siwe` library parses the message (its ABNF grammar is the spec's); every check after parsing is done
here, against this site's settings, so each failure has its own error and nothing depends on the
library's verify(): its ERC-1271 fallback is not reached when EOA recovery raises (spruceid/siwe-py#79),
which is exactly what happens with many contract-wallet signatures.

Order in `verify_sign_in`: parse -> fields (domain, URI, chain, times) -> signature (EOA recovery, else
ERC-1271 through the chain) -> the caller consumes the nonce atomically. The nonce is consumed last so a
request with a bad signature cannot burn someone else's nonce.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct
from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from pydantic import ValidationError
from siwe import SiweMessage

from backend.auth.errors import (
    SiweBadSignature,
    SiweChainMismatch,
    SiweDomainMismatch,
    SiweMalformed,
    SiweNotInTime,
)
from backend.origins import origin_of

# Clocks of phones and laptops drift: accept an issued-at up to this far in our future.
CLOCK_SKEW = timedelta(seconds=60)
MAX_MESSAGE_CHARS = 4096
MAX_SIGNATURE_BYTES = 4096  # contract wallets may sign with more than 65 bytes (e.g. Safe: n x 65)
ERC1271_MAGIC = bytes.fromhex("1626ba7e")
_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")


@dataclass(frozen=True)
class SiweExpectations:
    """What a message must say to sign in here."""

    domain: str  # RFC 3986 authority, e.g. "resident.example.jp" or "127.0.0.1:8000"
    origin: str  # scheme://authority of the site, e.g. "https://resident.example.jp"
    chain_id: int


@dataclass(frozen=True)
class SignIn:
    """A message whose fields and signature checked out; the nonce is still to be consumed."""

    address: ChecksumAddress
    nonce: str
    chain_id: int
    expires_at: datetime | None  # the message's Expiration Time, caps the session
    contract_wallet: bool


def expectations_for(public_url: str, siwe_domain: str, chain_id: int) -> SiweExpectations:
    """The expectations for a site served at `public_url`."""
    return SiweExpectations(domain=siwe_domain, origin=origin_of(public_url), chain_id=chain_id)


def is_valid_nonce(nonce: str) -> bool:
    """EIP-4361: a nonce is at least 8 alphanumeric characters."""
    return bool(_NONCE.match(nonce))


def parse_message(text: str) -> SiweMessage:
    """Parse an EIP-4361 message; refuse anything the grammar refuses, and non-canonical text."""
    if not isinstance(text, str) or not text or len(text) > MAX_MESSAGE_CHARS:
        raise SiweMalformed("siwe_too_long", max=MAX_MESSAGE_CHARS)
    try:
        message = SiweMessage.from_message(text, abnf=True)
    except ValidationError as exc:
        raise SiweMalformed("siwe_unreadable", reason=_first_line(exc)) from None
    except (ValueError, TypeError):
        # The grammar's parser says only that it failed; point at the usual causes.
        raise SiweMalformed("siwe_grammar") from None
    # The signature is checked over `text`; the fields we check come from the parse. Requiring that the
    # parse serialises back to `text` makes sure both describe the same message.
    if message.prepare_message() != text:
        raise SiweMalformed("siwe_not_canonical")
    return message


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:  # the grammar requires an offset; be safe anyway
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def check_fields(message: SiweMessage, expected: SiweExpectations, now: datetime) -> datetime | None:
    """Check domain, scheme, URI origin, version, chain id and the time window; return the expiry if any."""
    if message.domain != expected.domain:
        raise SiweDomainMismatch("siwe_wrong_domain", expected=expected.domain, got=message.domain)
    scheme = expected.origin.split("://", 1)[0]
    if message.scheme is not None and message.scheme.lower() != scheme:
        raise SiweDomainMismatch("siwe_wrong_scheme", scheme=scheme)
    if origin_of(message.uri) != expected.origin:
        raise SiweDomainMismatch("siwe_wrong_uri", origin=expected.origin)
    if str(message.version) != "1":
        raise SiweMalformed("siwe_wrong_version")
    if int(message.chain_id) != expected.chain_id:
        raise SiweChainMismatch("siwe_wrong_chain", expected=expected.chain_id, got=message.chain_id)
    if not is_valid_nonce(message.nonce):
        raise SiweMalformed("siwe_short_nonce")
    if _time(message.issued_at) > now + CLOCK_SKEW:
        raise SiweNotInTime("siwe_issued_later")
    if message.not_before is not None and now + CLOCK_SKEW < _time(message.not_before):
        raise SiweNotInTime("siwe_not_before")
    expires = _time(message.expiration_time) if message.expiration_time is not None else None
    if expires is not None and now >= expires:
        raise SiweNotInTime("siwe_expired")
    return expires


def decode_signature(signature: str) -> bytes:
    """The signature's bytes from 0x-prefixed hex."""
    if not isinstance(signature, str) or not signature.startswith("0x"):
        raise SiweBadSignature("signature_not_hex_prefixed")
    try:
        raw = bytes.fromhex(signature[2:])
    except ValueError:
        raise SiweBadSignature("signature_not_hex") from None
    if not raw or len(raw) > MAX_SIGNATURE_BYTES:
        raise SiweBadSignature("signature_wrong_length")
    return raw


def eip191_hash(text: str) -> bytes:
    """The EIP-191 personal-message hash a wallet signs for `text` (what ERC-1271 wallets are asked about)."""
    return bytes(_hash_eip191_message(encode_defunct(text=text)))


def recover_signer(text: str, signature: bytes) -> ChecksumAddress | None:
    """The EOA that signed `text` (EIP-191), or None when the bytes are not a recoverable ECDSA signature."""
    if len(signature) != 65:
        return None
    try:
        return to_checksum_address(Account.recover_message(encode_defunct(text=text), signature=signature))
    except Exception:  # noqa: BLE001 - eth-account raises several types for malformed v/r/s; all mean "not an EOA sig"
        return None


# (address, hash, signature) -> truthy when the account at `address` accepts it (backend/chain/signatures.py
# Verdict: ERC-1271, ERC-6492, EIP-7702), falsy with a `reason` otherwise. Raises when the chain cannot be asked.
ContractCheck = Callable[[ChecksumAddress, bytes, bytes], bool]


def verify_sign_in(
    text: str, signature: str, expected: SiweExpectations, now: datetime, contract_check: ContractCheck
) -> SignIn:
    """Check a signed EIP-4361 message completely, except the nonce's freshness in storage."""
    message = parse_message(text)
    expires = check_fields(message, expected, now)
    raw = decode_signature(signature)
    address = to_checksum_address(message.address)
    contract_wallet = False
    if recover_signer(text, raw) != address:
        # Not the address's own key: a contract wallet (ERC-1271), a not-yet-deployed one (ERC-6492) or a
        # 7702-delegated EOA may still accept it (backend/chain/signatures.py); its verdict names why not.
        verdict = contract_check(address, eip191_hash(text), raw)
        if not verdict:
            raise SiweBadSignature(getattr(verdict, "reason", None))
        contract_wallet = True
    return SignIn(
        address=address,
        nonce=message.nonce,
        chain_id=int(message.chain_id),
        expires_at=expires,
        contract_wallet=contract_wallet,
    )


def build_message(
    *,
    domain: str,
    address: str,
    uri: str,
    chain_id: int,
    nonce: str,
    issued_at: datetime,
    statement: str | None = None,
    expiration_time: datetime | None = None,
    not_before: datetime | None = None,
) -> str:
    """An EIP-4361 message as a wallet front end would write it (used by tests, the demo and docs)."""

    def iso(moment: datetime) -> str:
        return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    return SiweMessage(
        domain=domain,
        address=to_checksum_address(address),
        uri=uri,
        version="1",
        chain_id=chain_id,
        nonce=nonce,
        issued_at=iso(issued_at),
        statement=statement,
        expiration_time=iso(expiration_time) if expiration_time else None,
        not_before=iso(not_before) if not_before else None,
    ).prepare_message()
