"""Fixtures for the ResidentCard tests: deployed once per module, isolated per test."""

import pytest

ZERO = "0x0000000000000000000000000000000000000000"
BASIC, PREMIUM = 0, 1
DAY = 86_400


def error(name, *args):
    """The revert string Brownie shows for custom error `name(args)`.

    Brownie prints addresses in lower case and bytes32 values as Python bytes.
    """
    shown = []
    for arg in args:
        if hasattr(arg, "address"):
            arg = arg.address
        if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
            shown.append(arg.lower())
        elif isinstance(arg, bytes):  # Brownie's HexString (bytes32) is a bytes subclass
            shown.append(repr(bytes(arg)))
        else:
            shown.append(str(arg))
    return f"{name}: {', '.join(shown)}"


def config(admin, *, soulbound=True, cap=1, royalty_bps=0, base_uri="ipfs://cards/", name_ja="美祢市"):
    """A ResidentCard.Config tuple."""
    return (
        "Mine City Digital Resident",
        "MINE",
        name_ja,
        "Mine City",
        soulbound,
        cap,
        base_uri,
        admin.address,
        admin.address,
        royalty_bps,
    )


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
