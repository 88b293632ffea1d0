"""EIP-712 vouchers for ResidentMinter, and the identity nullifiers they carry.

The signing domain is read from the deployed minter (`eip712Domain()`, ERC-5267), never hard-coded:
a voucher signed here is valid for exactly that contract on exactly that chain. The municipality's
issuer key (an account with the minter's VOUCHER_SIGNER_ROLE) signs; the resident, or staff on
their behalf, submits it with `claimWithVoucher`.

A voucher's nullifier is the person's nullifier (backend/identity/nullifier.py) as bytes32: the one
value that residency registration, the premium cap and per-person polls know the person by, so "one
card per person" on chain and "the same person" in the backend agree. The identity itself is never
stored, logged or sent on chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from backend.errors import ResidentError
from backend.messages import english_first

VOUCHER_FIELDS = [
    {"name": "recipient", "type": "address"},
    {"name": "campaignId", "type": "uint256"},
    {"name": "tier", "type": "uint256"},
    {"name": "expiresAt", "type": "uint256"},
    {"name": "nullifier", "type": "bytes32"},
    {"name": "price", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
# ERC-5267 `fields` bits, in EIP712Domain field order.
_DOMAIN_FIELDS = [
    (0x01, "name", "string"),
    (0x02, "version", "string"),
    (0x04, "chainId", "uint256"),
    (0x08, "verifyingContract", "address"),
    (0x10, "salt", "bytes32"),
]


class VoucherError(ResidentError):
    """Raised when a voucher cannot be built, signed or checked."""


@dataclass(frozen=True)
class Voucher:
    """What ResidentMinter's `Voucher` struct holds: one card for `recipient`."""

    recipient: str
    campaign_id: int
    tier: int
    expires_at: int  # card expiry, unix seconds; 0 = never
    nullifier: bytes  # 32 bytes; 32 zero bytes = no identity bound
    price: int  # wei to pay on chain; 0 after a fiat payment
    deadline: int  # last second the voucher can be used

    def __post_init__(self) -> None:
        if len(self.nullifier) != 32:
            raise VoucherError(f"a nullifier is 32 bytes, not {len(self.nullifier)}; take a person's from backend.identity.nullifier.onchain_nullifier")
        for name in ("campaign_id", "tier", "expires_at", "price", "deadline"):
            if not 0 <= getattr(self, name) < 2**256:
                raise VoucherError(f"{name} must be a non-negative 256-bit integer (got {getattr(self, name)})")
        object.__setattr__(self, "recipient", to_checksum_address(self.recipient))

    def message(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "campaignId": self.campaign_id,
            "tier": self.tier,
            "expiresAt": self.expires_at,
            "nullifier": self.nullifier,
            "price": self.price,
            "deadline": self.deadline,
        }

    def as_tuple(self) -> tuple:
        """The struct as a contract call takes it."""
        return (self.recipient, self.campaign_id, self.tier, self.expires_at, self.nullifier, self.price, self.deadline)


def _call(minter, name: str, *args):
    """Calls view `name` on a web3.py or a Brownie contract."""
    functions = getattr(minter, "functions", None)
    return getattr(functions, name)(*args).call() if functions is not None else getattr(minter, name)(*args)


def voucher_for_campaign(
    minter,
    campaign_id: int,
    recipient: str,
    nullifier: bytes,
    *,
    now: int,
    valid_for_seconds: int = 3600,
    price: int | None = None,
    tier: int | None = None,
) -> Voucher:
    """A voucher with the campaign's defaults read from the chain: its tier, its card expiry (fixed, or
    `now` plus the validity period) and its price, unless given. `now` is the chain's time; the voucher
    can be used until `now + valid_for_seconds`. Refuses a campaign that is not in voucher mode.
    """
    settings, _, closed = _call(minter, "campaign", campaign_id)
    start, end, campaign_price, _, _, campaign_tier, valid_for, expires_at, _, voucher_mode, _ = tuple(settings)
    if not voucher_mode:
        raise VoucherError(english_first("not_a_voucher_campaign", campaign_id=campaign_id))
    if closed:
        raise VoucherError(english_first("voucher_campaign_closed", campaign_id=campaign_id))
    if not expires_at and valid_for:
        expires_at = now + valid_for
    return Voucher(
        recipient=recipient,
        campaign_id=campaign_id,
        tier=campaign_tier if tier is None else tier,
        expires_at=int(expires_at),
        nullifier=nullifier,
        price=int(campaign_price) if price is None else price,
        deadline=now + valid_for_seconds,
    )


def domain_of(minter) -> dict[str, Any]:
    """The EIP-712 domain the deployed `minter` reports (ERC-5267), as eth-account wants it.

    `minter` is a web3.py contract or a Brownie contract of ResidentMinter.
    """
    raw = _call(minter, "eip712Domain")
    fields, name, version, chain_id, verifying_contract, salt, extensions = tuple(raw)
    fields = bytes(fields)[0] if isinstance(fields, (bytes, bytearray)) else int(fields, 16) if isinstance(fields, str) else int(fields)
    if extensions:
        raise VoucherError(f"the minter's EIP-712 domain has extensions {list(extensions)}, which this signer does not know")
    values = {"name": name, "version": version, "chainId": int(chain_id),
              "verifyingContract": to_checksum_address(verifying_contract), "salt": bytes(salt)}
    return {key: values[key] for bit, key, _ in _DOMAIN_FIELDS if fields & bit}


def typed_data(domain: dict[str, Any], voucher: Voucher) -> dict[str, Any]:
    """The full EIP-712 typed data of `voucher` under `domain` (from `domain_of`)."""
    domain_types = [{"name": key, "type": kind} for _, key, kind in _DOMAIN_FIELDS if key in domain]
    return {
        "types": {"EIP712Domain": domain_types, "Voucher": VOUCHER_FIELDS},
        "primaryType": "Voucher",
        "domain": dict(domain),
        "message": voucher.message(),
    }


def digest(domain: dict[str, Any], voucher: Voucher) -> bytes:
    """The 32 bytes the signer signs (the minter's `voucherDigest`)."""
    signable = encode_typed_data(full_message=typed_data(domain, voucher))
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def sign_voucher(domain: dict[str, Any], voucher: Voucher, signer) -> bytes:
    """The 65-byte signature (r, s, v) of `voucher` by `signer`: a backend.chain.signers Signer (the backend's
    voucher signer: a keystore or a remote signer) or, in scripts and tests, a private key."""
    if hasattr(signer, "sign_typed_data"):
        return bytes(signer.sign_typed_data(typed_data(domain, voucher)))
    signed = Account.sign_typed_data(signer, full_message=typed_data(domain, voucher))
    return bytes(signed.signature)


def signer_of(domain: dict[str, Any], voucher: Voucher, signature: bytes) -> str:
    """The address that signed `voucher` under `domain` (what the minter will recover)."""
    try:
        return Account.recover_message(encode_typed_data(full_message=typed_data(domain, voucher)), signature=signature)
    except Exception as exc:  # eth-keys raises several types for malformed signatures
        raise VoucherError(f"the signature is malformed ({exc}); sign the voucher again") from None


def verify_voucher(domain: dict[str, Any], voucher: Voucher, signature: bytes, signer: str) -> bool:
    """Whether `signature` is `signer`'s over `voucher` under `domain`."""
    return signer_of(domain, voucher, signature) == to_checksum_address(signer)


def to_json(domain: dict[str, Any], voucher: Voucher, signature: bytes) -> dict[str, Any]:
    """A signed voucher as the holder's wallet (or `scripts/claim.py`) receives it."""
    return {
        "minter": domain["verifyingContract"],
        "chainId": domain["chainId"],
        "voucher": {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in voucher.message().items()},
        "signature": "0x" + signature.hex(),
    }


def from_json(data: dict[str, Any]) -> tuple[Voucher, bytes]:
    """The voucher and signature of a `to_json` document."""
    try:
        v = data["voucher"]
        voucher = Voucher(recipient=v["recipient"], campaign_id=int(v["campaignId"]), tier=int(v["tier"]),
                          expires_at=int(v["expiresAt"]), nullifier=bytes.fromhex(v["nullifier"].removeprefix("0x")),
                          price=int(v["price"]), deadline=int(v["deadline"]))
        return voucher, bytes.fromhex(data["signature"].removeprefix("0x"))
    except (KeyError, TypeError, ValueError) as exc:
        raise VoucherError(english_first("not_a_voucher_file", reason=exc)) from None
