"""Voucher typed data and signatures, without a chain (the chain checks are Brownie tests)."""

import pytest
from eth_account import Account
from eth_utils import keccak

from backend.campaigns.vouchers import (
    Voucher,
    VoucherError,
    digest,
    domain_of,
    sign_voucher,
    signer_of,
    typed_data,
    verify_voucher,
)
from backend.identity.nullifier import nullifier, onchain_nullifier

SECRET = "dev-only-identity-secret-for-voucher-tests"
MINTER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DOMAIN = {"name": "ResidentMinter", "version": "1", "chainId": 31337, "verifyingContract": MINTER}
KEY = Account.from_key(keccak(text="voucher test key"))


def a_voucher(**changes):
    fields = dict(recipient="0x70997970c51812dc3a010c7d01b50e0d17dc79c8", campaign_id=1, tier=0, expires_at=0,
                  nullifier=onchain_nullifier(nullifier(SECRET, "resident-dev-identity", "JP-0001"), 31337, MINTER), price=0, deadline=2_000_000_000)
    fields.update(changes)
    return Voucher(**fields)


class FakeMinter:
    """What a Brownie contract's eip712Domain() returns (ERC-5267 tuple)."""

    def __init__(self, fields=b"\x0f", extensions=()):
        self.fields, self.extensions = fields, extensions

    def eip712Domain(self):
        return (self.fields, "ResidentMinter", "1", 31337, MINTER, b"\x00" * 32, list(self.extensions))


def test_domain_follows_the_erc5267_fields_bits():
    assert domain_of(FakeMinter()) == DOMAIN
    assert domain_of(FakeMinter(fields="0x0d")) == {"name": "ResidentMinter", "chainId": 31337, "verifyingContract": MINTER}


def test_domain_with_extensions_is_refused():
    with pytest.raises(VoucherError, match="extensions"):
        domain_of(FakeMinter(extensions=[1]))


def test_typed_data_names_every_field_in_contract_order():
    data = typed_data(DOMAIN, a_voucher())
    assert [f["name"] for f in data["types"]["Voucher"]] == [
        "recipient", "campaignId", "tier", "expiresAt", "nullifier", "price", "deadline"]
    assert [f["name"] for f in data["types"]["EIP712Domain"]] == ["name", "version", "chainId", "verifyingContract"]
    assert data["message"]["recipient"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_signature_recovers_the_signer_only_under_its_domain():
    v = a_voucher()
    signature = sign_voucher(DOMAIN, v, KEY.key)
    assert signer_of(DOMAIN, v, signature) == KEY.address
    assert verify_voucher(DOMAIN, v, signature, KEY.address)
    assert not verify_voucher({**DOMAIN, "chainId": 81}, v, signature, KEY.address)
    assert not verify_voucher({**DOMAIN, "verifyingContract": "0x" + "11" * 20}, v, signature, KEY.address)
    assert not verify_voucher(DOMAIN, a_voucher(tier=1), signature, KEY.address)


def test_digest_matches_the_signed_hash():
    v = a_voucher()
    signature = sign_voucher(DOMAIN, v, KEY.key)
    assert Account._recover_hash(digest(DOMAIN, v), signature=signature) == KEY.address


def test_malformed_signature_is_a_voucher_error():
    with pytest.raises(VoucherError, match="malformed"):
        signer_of(DOMAIN, a_voucher(), b"\x01" * 64)


def test_voucher_fields_are_checked():
    with pytest.raises(VoucherError, match="32 bytes"):
        a_voucher(nullifier=b"\x01" * 31)
    with pytest.raises(VoucherError, match="price"):
        a_voucher(price=-1)
