"""The outbox's cycle on a real anvil node: queued → signed → sent → confirmed, idempotency, simulation,
mined reverts, refused nonces filled with a cancel."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.chain.client import ContractReverted
from backend.db.models_outbox import OutboxAttempt, OutboxTx
from tests.backend.chain.outbox.conftest import fresh_address


def rows(db_sessions):
    with db_sessions() as session:
        return session.scalars(select(OutboxTx).order_by(OutboxTx.id)).all()


def test_a_transfer_is_signed_sent_and_confirmed(outbox, manager, issuer, chain, db_sessions):
    to = fresh_address()
    row = outbox.enqueue("pay-1", sender=issuer.address, to=to, value=12345, purpose="pay")
    assert row.state == "queued" and row.nonce is None
    manager.step()
    done = outbox.get(row.id)
    assert done.state == "confirmed"
    assert chain.balance(to) == 12345
    assert chain.receipt(done.tx_hash).status == 1
    assert done.nonce == 0 and chain.nonce(issuer.address, "latest") == 1
    with db_sessions() as session:
        assert session.scalars(select(OutboxAttempt.tx_hash).where(OutboxAttempt.tx_id == row.id)).all() == [done.tx_hash]


def test_nonces_follow_the_queue_order(outbox, manager, issuer, chain):
    made = [outbox.enqueue(f"pay-{i}", sender=issuer.address, to=fresh_address(), value=1) for i in range(3)]
    manager.step()
    assert [outbox.get(r.id).nonce for r in made] == [0, 1, 2]
    assert all(outbox.get(r.id).state == "confirmed" for r in made)


def test_a_repeated_key_returns_the_first_row_and_sends_once(outbox, manager, issuer, chain, db_sessions):
    to = fresh_address()
    first = outbox.enqueue("grant-7", sender=issuer.address, to=to, value=5)
    manager.step()
    again = outbox.enqueue("grant-7", sender=issuer.address, to=to, value=5)
    manager.step()
    assert again.id == first.id and again.state == "confirmed"
    assert chain.balance(to) == 5
    assert chain.nonce(issuer.address, "latest") == 1
    assert len(rows(db_sessions)) == 1


def test_a_call_that_would_revert_is_refused_decoded_and_nothing_is_stored(outbox, issuer, local, db_sessions):
    card = local.deploy("OBX")  # the sender has no ISSUER_ROLE on it
    data = card.contract.encode_abi("issue", [fresh_address(), 0, 0])
    with pytest.raises(ContractReverted) as refused:
        outbox.enqueue("issue-1", sender=issuer.address, to=card.address, data=data, purpose="issue",
                       abi=card.contract.abi)
    assert refused.value.revert.name == "AccessControlUnauthorizedAccount"
    assert refused.value.revert.values["account"] == issuer.address
    assert rows(db_sessions) == []


def test_a_mined_revert_is_failed_with_its_decoded_error(outbox, manager, local, chain, db_sessions):
    card = local.deploy("OBX")
    token = card.issue(fresh_address())
    admin = local.admin  # anvil account 0 holds ISSUER_ROLE; the manager signs for it here
    from backend.chain.issuer import Issuer
    from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID
    manager.signers = {admin: Issuer(chain, ANVIL_KEYS[0], CHAIN_ID)}
    data = card.contract.encode_abi("revoke", [token])
    # Both pass the simulation (the card exists now); the second reverts once the first is mined.
    first = outbox.enqueue("revoke-a", sender=admin, to=card.address, data=data, purpose="revoke", abi=card.contract.abi)
    second = outbox.enqueue("revoke-b", sender=admin, to=card.address, data=data, purpose="revoke",
                            abi=card.contract.abi)
    manager.step()
    assert outbox.get(first.id).state == "confirmed"
    failed = outbox.get(second.id)
    assert failed.state == "failed" and failed.error_code == "reverted"
    assert failed.error == f"ResidentCardNonexistent({token})"
    assert chain.receipt(failed.tx_hash).status == 0


def test_a_revert_caused_by_an_earlier_transaction_of_the_same_block_is_decoded_too(outbox, manager, local, chain):
    """Replayed on the block before, the second revoke would pass: its reason is found on its own block."""
    card = local.deploy("OBX")
    token = card.issue(fresh_address())
    from backend.chain.issuer import Issuer
    from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID
    manager.signers = {local.admin: Issuer(chain, ANVIL_KEYS[0], CHAIN_ID)}
    data = card.contract.encode_abi("revoke", [token])
    made = [outbox.enqueue(f"revoke-{key}", sender=local.admin, to=card.address, data=data, purpose="revoke",
                           abi=card.contract.abi, gas=200_000) for key in "ab"]
    chain.web3.provider.make_request("evm_setAutomine", [False])
    manager.step()  # both sent, neither mined
    assert [outbox.get(row.id).state for row in made] == ["sent", "sent"]
    chain.web3.provider.make_request("evm_mine", [])
    chain.web3.provider.make_request("evm_setAutomine", [True])
    manager.step()
    first, second = (outbox.get(row.id) for row in made)
    assert first.block_number == second.block_number
    assert (first.state, second.state) == ("confirmed", "failed")
    assert second.error == f"ResidentCardNonexistent({token})"


def test_a_refused_transaction_is_failed_and_its_nonce_filled_with_a_cancel(outbox, manager, issuer, chain,
                                                                            db_sessions):
    # Gas above the block's limit: the simulation passes (a plain transfer), the node refuses it.
    bad = outbox.enqueue("bad", sender=issuer.address, to=fresh_address(), gas=10**9)
    to = fresh_address()
    good = outbox.enqueue("good", sender=issuer.address, to=to, value=7)
    for _ in range(3):
        manager.step()
    refused = outbox.get(bad.id)
    assert refused.state == "failed" and refused.error_code == "broadcast_refused"
    cancel = outbox.get_by_key(f"cancel:{bad.id}")
    assert cancel.purpose == "cancel" and cancel.nonce == refused.nonce == 0 and cancel.state == "confirmed"
    assert cancel.to == issuer.address and cancel.value == "0"
    assert outbox.get(good.id).state == "confirmed" and outbox.get(good.id).nonce == 1
    assert chain.balance(to) == 7
    assert chain.nonce(issuer.address, "latest") == 2


def test_confirmed_only_after_the_confirmations(db_sessions, chain, issuer, clock, outbox, local):
    from backend.chain.outbox import Manager
    manager = Manager(db_sessions, chain, [issuer], confirmations=3, holder="leader-a", clock=clock)
    row = outbox.enqueue("pay", sender=issuer.address, to=fresh_address(), value=1)
    manager.step()
    assert outbox.get(row.id).state == "mined"
    local.rpc("anvil_mine", [hex(2)])
    manager.step()
    assert outbox.get(row.id).state == "confirmed"
    with db_sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxAttempt)) == 1
