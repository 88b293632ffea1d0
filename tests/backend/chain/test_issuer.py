"""The backend's own transactions (backend/chain/issuer.py) on a real anvil chain: a call signed with the
issuer key lands, a revert names the contract's custom error, and nothing is sent for a reverting call."""

from __future__ import annotations

import pytest
from eth_account import Account

from backend.chain.client import Chain
from backend.chain.deployments import contract_for
from backend.chain.issuer import ANVIL_DEV_KEY, Issuer, TxReverted
from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID
from tests.backend.production import production_settings


@pytest.fixture
def card(chain_with_collection, anvil):
    return contract_for(Chain(anvil.url), chain_with_collection.collection.record)


def test_issue_through_the_issuer_key(card, anvil):
    issuer = Issuer(Chain(anvil.url), ANVIL_KEYS[0], CHAIN_ID)
    assert issuer.has_role(card)
    holder = Account.create().address
    before = card.functions.balanceOf(holder).call()
    heard = []  # on_sent: the hash once the node has it, before the receipt (the console shows "sent")
    sent = issuer.send(card.functions.issue(holder, 1, 0),
                       on_sent=heard.append)
    assert sent.gas_used > 0 and sent.tx_hash.startswith("0x") and len(sent.tx_hash) == 66
    assert card.functions.balanceOf(holder).call() == before + 1
    assert heard == [sent.tx_hash]


def test_a_revert_names_the_custom_error_and_sends_nothing(card, anvil):
    outsider = Account.from_key(ANVIL_KEYS[7])
    issuer = Issuer(Chain(anvil.url), outsider.key.hex(), CHAIN_ID)
    assert not issuer.has_role(card)
    nonce = card.w3.eth.get_transaction_count(outsider.address)
    with pytest.raises(TxReverted) as refused:
        issuer.send(card.functions.issue(outsider.address, 1, 0))
    assert refused.value.error == "AccessControlUnauthorizedAccount"
    assert refused.value.revert.values == {"account": outsider.address, "neededRole": card.functions.ISSUER_ROLE().call()}
    assert card.w3.eth.get_transaction_count(outsider.address) == nonce


def test_production_refuses_the_public_dev_key(tmp_path):
    for key in (ANVIL_DEV_KEY, ANVIL_KEYS[3], ANVIL_KEYS[3].removeprefix("0x").upper()):
        with pytest.raises(ValueError, match="RESIDENT_ISSUER_KEY"):
            production_settings(tmp_path, issuer_key=key)
    own = Account.create().key.hex()  # nor the municipality's own: production signs with a keystore or a signer
    with pytest.raises(ValueError, match="RESIDENT_ISSUER_KEY"):
        production_settings(tmp_path, issuer_key=own)


def test_the_observer_hears_each_broadcast_with_who_asked(card, anvil):
    heard = []
    issuer = Issuer(Chain(anvil.url), ANVIL_KEYS[0], CHAIN_ID)
    issuer.observer = heard.append
    holder = Account.create().address
    sent = issuer.acting_for(lambda: "alice").send(card.functions.issue(holder, 1, 0))
    (seen,) = heard
    assert (seen.tx_hash, seen.function, seen.actor, seen.chain_id) == (sent.tx_hash, "issue", "alice", CHAIN_ID)
    assert (seen.sender, seen.to) == (issuer.address, card.address)
    issuer.send(card.functions.issue(Account.create().address, 1, 0))
    assert heard[-1].actor is None  # the issuer itself acts for no one: the system


def test_a_failing_observer_does_not_fail_the_sent_transaction(card, anvil):
    def broken(_sent):
        raise RuntimeError("the audit database is down")

    issuer = Issuer(Chain(anvil.url), ANVIL_KEYS[0], CHAIN_ID)
    issuer.observer = broken
    holder = Account.create().address
    sent = issuer.send(card.functions.issue(holder, 1, 0))
    assert sent.tx_hash and card.functions.balanceOf(holder).call() == 1
