"""Fixtures for the ResidentCard tests: deployed once per module, isolated per test."""

import pytest

from card_setup import config


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


@pytest.fixture(scope="module")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="module")
def issuer(accounts):
    return accounts[1]


@pytest.fixture(scope="module")
def pauser(accounts):
    return accounts[2]


@pytest.fixture(scope="module")
def alice(accounts):
    return accounts[3]


@pytest.fixture(scope="module")
def bob(accounts):
    return accounts[4]


@pytest.fixture(scope="module")
def carol(accounts):
    return accounts[5]


@pytest.fixture(scope="module")
def outsider(accounts):
    return accounts[6]


def _with_roles(contract, admin, issuer, pauser):
    contract.grantRole(contract.ISSUER_ROLE(), issuer, {"from": admin})
    contract.grantRole(contract.PAUSER_ROLE(), pauser, {"from": admin})
    return contract


@pytest.fixture(scope="module")
def card(ResidentCard, admin, issuer, pauser):
    """A soulbound collection, one card per wallet."""
    return _with_roles(ResidentCard.deploy(config(admin), {"from": admin}), admin, issuer, pauser)


@pytest.fixture(scope="module")
def tradable(ResidentCard, admin, issuer, pauser):
    """A tradable collection, up to 2 cards per wallet, 5% royalty."""
    contract = ResidentCard.deploy(config(admin, soulbound=False, cap=2, royalty_bps=500), {"from": admin})
    return _with_roles(contract, admin, issuer, pauser)


@pytest.fixture(scope="module")
def receiver(CardReceiver, admin):
    """A contract wallet that accepts ERC-721 tokens."""
    return CardReceiver.deploy(True, {"from": admin})


@pytest.fixture(scope="module")
def rejecter(CardReceiver, admin):
    """A contract that refuses ERC-721 tokens."""
    return CardReceiver.deploy(False, {"from": admin})
