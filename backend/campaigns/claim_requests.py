"""EIP-712 claim requests for ResidentMinter's `claimFor`: a resident asks for a claim someone else sends.

The resident (EOA, or a contract wallet through ERC-1271) signs the request; the municipality's relayer
sends it and pays the gas (backend/campaigns/sponsored.py). The domain is the minter's own (`domain_of`,
ERC-5267), so a request binds chain id and contract. `nonce` is the recipient's claimed count in the
campaign when signing (`claimedBy`), which the claim itself increments: a request is single-use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from backend.campaigns.vouchers import _DOMAIN_FIELDS, VoucherError, domain_of  # noqa: F401  (domain_of re-exported)

CAMPAIGN_PRICE = 2**256 - 1  # allowPrice meaning "the campaign's price" (ResidentMinter.CAMPAIGN_PRICE)

CLAIM_REQUEST_FIELDS = [
    {"name": "recipient", "type": "address"},
    {"name": "campaignId", "type": "uint256"},
    {"name": "quantity", "type": "uint256"},
    {"name": "allowPrice", "type": "uint256"},
    {"name": "allowMax", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]


@dataclass(frozen=True)
class ClaimRequest:
    """What ResidentMinter's `ClaimRequest` struct holds."""

    recipient: str
    campaign_id: int
    quantity: int
    nonce: int
    deadline: int
    allow_price: int = CAMPAIGN_PRICE
    allow_max: int = 0

    def __post_init__(self) -> None:
        for name in ("campaign_id", "quantity", "nonce", "deadline", "allow_price", "allow_max"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value < 2**256:
                raise VoucherError(f"{name} must be a non-negative 256-bit integer (got {value!r})")
        object.__setattr__(self, "recipient", to_checksum_address(self.recipient))

    def message(self) -> dict[str, Any]:
        return {"recipient": self.recipient, "campaignId": self.campaign_id, "quantity": self.quantity,
                "allowPrice": self.allow_price, "allowMax": self.allow_max, "nonce": self.nonce,
                "deadline": self.deadline}

    def as_tuple(self) -> tuple:
        """The struct as a contract call takes it."""
        return (self.recipient, self.campaign_id, self.quantity, self.allow_price, self.allow_max, self.nonce,
                self.deadline)


def typed_data(domain: dict[str, Any], request: ClaimRequest) -> dict[str, Any]:
    """The full EIP-712 typed data of `request` under the minter's `domain` (what a wallet signs)."""
    domain_types = [{"name": key, "type": kind} for _, key, kind in _DOMAIN_FIELDS if key in domain]
    return {"types": {"EIP712Domain": domain_types, "ClaimRequest": CLAIM_REQUEST_FIELDS},
            "primaryType": "ClaimRequest", "domain": dict(domain), "message": request.message()}


def digest(domain: dict[str, Any], request: ClaimRequest) -> bytes:
    """The 32 bytes the recipient signs (the minter's `claimRequestDigest`)."""
    signable = encode_typed_data(full_message=typed_data(domain, request))
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def sign_request(domain: dict[str, Any], request: ClaimRequest, private_key: str | bytes) -> bytes:
    """The 65-byte signature of `request` by an EOA's `private_key` (what a wallet's eth_signTypedData_v4 gives)."""
    return bytes(Account.sign_typed_data(private_key, full_message=typed_data(domain, request)).signature)
