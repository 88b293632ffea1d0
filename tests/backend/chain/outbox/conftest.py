"""Outbox fixtures: an anvil node of the test's own (its mining and mempool are changed by the tests), the
sender (anvil's account 2, so no other fixture's transactions share its nonces), and a manager with a clock
the test moves."""

from __future__ import annotations

import pytest
from eth_account import Account

from backend.chain.client import Chain
from backend.chain.issuer import Issuer
from backend.chain.outbox import Manager, Outbox
from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID, Anvil, LocalChain

SENDER_KEY = ANVIL_KEYS[2]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def node():
    anvil = Anvil()
    yield anvil
    anvil.stop()


@pytest.fixture
def local(node, tmp_path):
    return LocalChain(node.url, tmp_path)


@pytest.fixture
def chain(node):
    return Chain(node.url)


@pytest.fixture
def issuer(chain):
    return Issuer(chain, SENDER_KEY, CHAIN_ID)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def outbox(db_sessions, chain, clock):
    return Outbox(db_sessions, chain, CHAIN_ID, clock=clock)


@pytest.fixture
def manager(db_sessions, chain, issuer, clock):
    return Manager(db_sessions, chain, [issuer], stuck_after=30.0, lease_seconds=10.0, holder="leader-a",
                   clock=clock)


def fresh_address() -> str:
    return Account.create().address
