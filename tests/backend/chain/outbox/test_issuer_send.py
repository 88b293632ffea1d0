"""Issuer.send through the outbox: the same call, the same `Sent`, a revert still refused before sending."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.chain.issuer import Issuer, TxReverted
from backend.chain.outbox import Manager
from backend.db.models_outbox import OutboxTx
from backend.chain.outbox.worker import start_outbox
from tests.backend.chain.outbox.conftest import fresh_address
from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID


@pytest.fixture
def card(local):
    return local.deploy("OBX")


@pytest.fixture
def admin_issuer(chain, outbox, db_sessions):
    issuer = Issuer(chain, ANVIL_KEYS[0], CHAIN_ID)  # holds ISSUER_ROLE on the card
    issuer.outbox = outbox
    loop = start_outbox(Manager(db_sessions, chain, [issuer], holder="leader"), outbox, interval=0.05)
    yield issuer
    loop.stop()


def test_send_goes_through_the_outbox_and_returns_sent(admin_issuer, card, chain, db_sessions):
    holder = fresh_address()
    seen = []
    admin_issuer.observer = seen.append
    contract = chain.contract_at(card.address, card.contract.abi)
    sent = admin_issuer.send(contract.functions.issue(holder, 0, 0), on_sent=lambda h: seen.append(h), timeout=30)
    assert chain.receipt(sent.tx_hash).status == 1 and sent.block_number > 0 and sent.gas_used > 0
    assert card.contract.functions.balanceOf(holder).call() == 1
    assert sent.logs and all(log["transactionHash"].lower() == sent.tx_hash for log in sent.logs)  # raw, as before
    assert seen[0].tx_hash == sent.tx_hash and seen[0].function == "issue" and seen[1] == sent.tx_hash
    with db_sessions() as session:
        row = session.scalars(select(OutboxTx)).one()
    assert row.tx_hash == sent.tx_hash and row.purpose == "issue"


def test_a_retried_send_with_its_key_issues_once(admin_issuer, card, chain):
    contract = chain.contract_at(card.address, card.contract.abi)
    holder = fresh_address()
    first = admin_issuer.send(contract.functions.issue(holder, 0, 0), idempotency_key="grant:1", timeout=30)
    again = admin_issuer.send(contract.functions.issue(holder, 0, 0), idempotency_key="grant:1", timeout=30)
    assert again.tx_hash == first.tx_hash
    assert card.contract.functions.balanceOf(holder).call() == 1


def test_a_reverting_send_is_refused_before_anything_is_stored(outbox, card, chain, db_sessions):
    stranger = Issuer(chain, ANVIL_KEYS[3], CHAIN_ID)  # no ISSUER_ROLE
    stranger.outbox = outbox
    contract = chain.contract_at(card.address, card.contract.abi)
    with pytest.raises(TxReverted) as refused:
        stranger.send(contract.functions.issue(fresh_address(), 0, 0), timeout=5)
    assert refused.value.error == "AccessControlUnauthorizedAccount"
    with db_sessions() as session:
        assert session.scalars(select(OutboxTx)).all() == []
