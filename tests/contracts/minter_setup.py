"""Fixtures and helpers of the ResidentMinter tests (import the fixtures a test module uses).

The card fixtures of conftest.py serve the collection tests; a minter needs a collection of its own
whose ISSUER_ROLE it holds, so the fixtures here build one per module.
"""

from contextlib import contextmanager

import pytest
from brownie import ResidentCard, ResidentMinter, chain, web3
from brownie.exceptions import VirtualMachineError
from eth_account import Account
from eth_utils import keccak

from backend.campaigns import vouchers
from backend.identity.nullifier import nullifier, onchain_nullifier
from card_setup import ZERO, config, error

DAY = 86_400
ETHER = 10**18
CAMPAIGN_PRICE = 2**256 - 1
NO_ROOT = "0x" + "00" * 32
NO_NULLIFIER = b"\x00" * 32
IDENTITY_SECRET = "identity-secret-of-the-contract-tests"


def person_nullifier(identity: str, card: str = ZERO) -> bytes:
    """The bytes32 a voucher carries for the person verified as `identity` (backend/identity/nullifier.py)."""
    return onchain_nullifier(nullifier(IDENTITY_SECRET, "resident-dev-identity", identity), 31337, card)


def campaign(**changes):
    """A Campaign tuple: open now for 30 days, free, 100 cards, 1 per wallet, basic, no expiry."""
    now = chain.time()
    fields = {
        "start": now - 60,
        "end": now + 30 * DAY,
        "price": 0,
        "supply": 100,
        "maxPerWallet": 1,
        "tier": 0,
        "validFor": 0,
        "expiresAt": 0,
        "allowlistRoot": NO_ROOT,
        "voucher": False,
        "paused": False,
    }
    unknown = set(changes) - set(fields)
    assert not unknown, f"unknown campaign fields {unknown}"
    fields.update(changes)
    if isinstance(fields["allowlistRoot"], bytes):  # Brownie compares bytes32 values as hex strings
        fields["allowlistRoot"] = "0x" + fields["allowlistRoot"].hex()
    return tuple(fields.values())


def created(minter, admin, **changes):
    """Creates a campaign; returns its id."""
    return minter.createCampaign(campaign(**changes), {"from": admin}).return_value


def open_claim(minter, wallet, campaign_id, quantity=1, value=0):
    """A claim in an open campaign (no proof)."""
    return minter.claim(campaign_id, quantity, [], CAMPAIGN_PRICE, 0, {"from": wallet, "value": value})


@contextmanager
def reverts_with(name, *args):
    """Asserts that the block reverts with custom error `name(args)` (brownie.reverts is unreliable for them)."""
    with pytest.raises(VirtualMachineError) as failure:
        yield failure
    assert failure.value.revert_msg == error(name, *args)


def next_block_at(timestamp):
    """Makes the chain mine its next block at `timestamp` (anvil's evm_setNextBlockTimestamp)."""
    web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])


def selector(signature):
    return keccak(text=signature)[:4]


def role_error(account, role):
    return ("AccessControlUnauthorizedAccount", account, role)


def voucher(recipient, campaign_id, *, tier=0, expires_at=0, identity="JP-0001", price=0, deadline=None, null=None):
    """A Voucher for `recipient`; the nullifier comes from `identity` unless `null` gives the bytes."""
    return vouchers.Voucher(
        recipient=recipient.address if hasattr(recipient, "address") else recipient,
        campaign_id=campaign_id,
        tier=tier,
        expires_at=expires_at,
        nullifier=null if null is not None else person_nullifier(identity),
        price=price,
        deadline=deadline if deadline is not None else chain.time() + DAY,
    )


def paid_by(tx):
    """What a transaction cost its sender in gas."""
    return tx.gas_used * tx.gas_price


@pytest.fixture(scope="module")
def collection(admin):
    """A soulbound collection allowing 10 cards per wallet, so multi-card claims can be tested."""
    return ResidentCard.deploy(config(admin, cap=10), {"from": admin})


@pytest.fixture(scope="module")
def minter(collection, admin):
    contract = ResidentMinter.deploy(collection, admin, ZERO, {"from": admin})
    collection.setMinter(contract, {"from": admin})
    return contract


@pytest.fixture(scope="module")
def signer_key():
    """The municipality's issuer key, which signs vouchers (a local key: eth-account signs the typed data)."""
    return Account.from_key(keccak(text="resident test voucher signer"))


@pytest.fixture(scope="module")
def signer(minter, admin, signer_key):
    minter.grantRole(minter.VOUCHER_SIGNER_ROLE(), signer_key.address, {"from": admin})
    return signer_key


@pytest.fixture(scope="module")
def domain(minter):
    return vouchers.domain_of(minter)
