"""Stuck and forgotten transactions (anvil with automine off), and two managers racing for one sender."""

from __future__ import annotations

from sqlalchemy import select

from backend.chain.outbox import Manager
from backend.db.models_outbox import OutboxAttempt
from tests.backend.chain.outbox.conftest import fresh_address


def attempts(db_sessions, row_id):
    with db_sessions() as session:
        return session.scalars(select(OutboxAttempt).where(OutboxAttempt.tx_id == row_id)
                               .order_by(OutboxAttempt.id)).all()


def test_a_stuck_transaction_is_replaced_at_its_nonce_with_fees_bumped(outbox, manager, issuer, chain, local,
                                                                       clock, db_sessions):
    local.rpc("evm_setAutomine", [False])
    to = fresh_address()
    row = outbox.enqueue("pay", sender=issuer.address, to=to, value=99)
    manager.step()
    first = outbox.get(row.id)
    assert first.state == "sent" and chain.transaction(first.tx_hash) is not None
    manager.step()  # not stuck yet: nothing new
    assert len(attempts(db_sessions, row.id)) == 1
    clock.now += 31
    manager.step()
    tried = attempts(db_sessions, row.id)
    assert len(tried) == 2 and tried[1].tx_hash == outbox.get(row.id).tx_hash
    assert int(tried[1].max_fee_per_gas) * 1000 >= int(tried[0].max_fee_per_gas) * 1125
    assert int(tried[1].max_priority_fee_per_gas) * 1000 >= int(tried[0].max_priority_fee_per_gas) * 1125
    local.rpc("evm_mine", [])
    manager.step()
    done = outbox.get(row.id)
    assert done.state == "confirmed" and done.tx_hash == tried[1].tx_hash and done.nonce == 0
    assert chain.receipt(tried[0].tx_hash) is None  # the replaced attempt never made it
    assert chain.balance(to) == 99 and chain.nonce(issuer.address, "latest") == 1


def test_the_first_attempt_wins_when_it_is_mined_after_all(outbox, manager, issuer, chain, local, clock,
                                                           db_sessions):
    local.rpc("evm_setAutomine", [False])
    # A node that never saw the replacement mines the first attempt: here the replacement is dropped and
    # the first attempt's raw handed to the node again.
    row = outbox.enqueue("pay", sender=issuer.address, to=fresh_address(), value=3)
    manager.step()
    first_hash = outbox.get(row.id).tx_hash
    clock.now += 31
    manager.step()
    second_hash = outbox.get(row.id).tx_hash
    assert second_hash != first_hash
    local.rpc("anvil_dropTransaction", [second_hash])
    local.rpc("eth_sendRawTransaction", [attempts(db_sessions, row.id)[0].raw])
    local.rpc("evm_mine", [])
    manager.step()
    done = outbox.get(row.id)
    assert done.state == "confirmed" and done.tx_hash == first_hash
    assert done.raw == attempts(db_sessions, row.id)[0].raw


def test_a_transaction_the_node_forgot_is_resubmitted(outbox, manager, issuer, chain, local, db_sessions):
    local.rpc("evm_setAutomine", [False])
    to = fresh_address()
    row = outbox.enqueue("pay", sender=issuer.address, to=to, value=42)
    manager.step()
    tx_hash = outbox.get(row.id).tx_hash
    local.rpc("anvil_dropTransaction", [tx_hash])
    assert chain.transaction(tx_hash) is None
    manager.step()
    assert chain.transaction(tx_hash) is not None  # the recorded raw again: the same hash
    local.rpc("evm_mine", [])
    manager.step()
    assert outbox.get(row.id).state == "confirmed"
    assert len(attempts(db_sessions, row.id)) == 1
    assert chain.balance(to) == 42


def test_a_high_base_fee_leaves_a_transaction_stuck_until_replaced(outbox, manager, issuer, chain, local, clock):
    local.rpc("evm_setAutomine", [False])
    row = outbox.enqueue("pay", sender=issuer.address, to=fresh_address(), value=1)
    manager.step()
    signed_fee = int(outbox.get(row.id).max_fee_per_gas)
    local.rpc("anvil_setNextBlockBaseFeePerGas", [hex(signed_fee * 4)])
    local.rpc("evm_mine", [])
    manager.step()
    assert outbox.get(row.id).state == "sent"  # its max fee is below the base fee: not mined
    clock.now += 31
    manager.step()
    replaced = outbox.get(row.id)
    assert int(replaced.max_fee_per_gas) > signed_fee * 4  # today's fees, more than a 12.5% bump
    local.rpc("evm_mine", [])
    manager.step()
    assert outbox.get(row.id).state == "confirmed"


def test_two_managers_racing_only_one_gets_the_sender(db_sessions, chain, issuer, clock, outbox):
    a = Manager(db_sessions, chain, [issuer], lease_seconds=10.0, holder="leader-a", clock=clock)
    b = Manager(db_sessions, chain, [issuer], lease_seconds=10.0, holder="leader-b", clock=clock)
    to = fresh_address()
    row = outbox.enqueue("pay", sender=issuer.address, to=to, value=8)
    assert b.holds(issuer.address) is True
    assert a.step_sender(issuer.address) is False
    assert outbox.get(row.id).state == "queued"  # a signed nothing
    assert b.step_sender(issuer.address) is True
    assert outbox.get(row.id).state == "confirmed"
    assert a.step_sender(issuer.address) is False
    clock.now += 11  # b stopped renewing (died): a takes the sender over and continues its sequence
    second = outbox.enqueue("pay-2", sender=issuer.address, to=to, value=8)
    assert a.step_sender(issuer.address) is True
    assert outbox.get(second.id).nonce == 1 and outbox.get(second.id).state == "confirmed"
    assert chain.balance(to) == 16


def test_a_newly_elected_leaders_manager_takes_the_sender_at_once(db_sessions, chain, issuer, clock, outbox):
    from backend.chain.outbox.worker import OutboxWorker

    dead = Manager(db_sessions, chain, [issuer], lease_seconds=10.0, holder="leader-dead", clock=clock)
    assert dead.holds(issuer.address)
    new = Manager(db_sessions, chain, [issuer], lease_seconds=10.0, holder="leader-new", clock=clock)
    row = outbox.enqueue("pay-after-election", sender=issuer.address, to=fresh_address(), value=3)
    assert new.step_sender(issuer.address) is False  # the dead leader's lease has 10 s to run
    OutboxWorker(new, outbox, 0.05).take_over()  # what backend/app.py calls on election
    assert new.step_sender(issuer.address) is True  # no time passed
    assert outbox.get(row.id).state == "confirmed"
    assert dead.step_sender(issuer.address) is False
