"""The outbox prices from the network profile (backend/chain/networks.py): EIP-1559 within the caps, legacy gasPrice
where the profile says so, and a replacement only when the node's bump fits under the cap."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import select

from backend.chain.networks import GWEI, known, replacement_fees
from backend.chain.outbox import Manager
from backend.db.models_outbox import OutboxAttempt
from tests.backend.chain.outbox.conftest import fresh_address

ANVIL = known(31337)


def attempts(db_sessions, row_id):
    with db_sessions() as session:
        return session.scalars(select(OutboxAttempt).where(OutboxAttempt.tx_id == row_id)
                               .order_by(OutboxAttempt.id)).all()


def manager_for(network, db_sessions, chain, issuer, clock):
    return Manager(db_sessions, chain, [issuer], stuck_after=30.0, lease_seconds=10.0, holder="leader-a",
                   clock=clock, network=network)


def test_an_eip1559_transaction_pays_within_the_caps(outbox, issuer, chain, local, clock, db_sessions):
    capped = ANVIL.capped(max_fee_gwei=Decimal(3), max_priority_fee_gwei=Decimal("0.25"))
    manager = manager_for(capped, db_sessions, chain, issuer, clock)
    local.rpc("anvil_setNextBlockBaseFeePerGas", [hex(2 * GWEI)])
    local.rpc("evm_mine", [])
    row = outbox.enqueue("pay", sender=issuer.address, to=fresh_address(), value=1)
    manager.step()
    done = outbox.get(row.id)
    assert done.state == "confirmed"
    assert int(done.max_fee_per_gas) == 3 * GWEI  # 2 × base fee + tip would be 4.25 gwei: the cap wins
    assert int(done.max_priority_fee_per_gas) <= GWEI // 4 and done.gas_price is None
    sent = chain.transaction(done.tx_hash)
    assert int(sent["type"], 16) == 2 and int(sent["maxFeePerGas"], 16) == 3 * GWEI


def test_a_legacy_chain_gets_a_capped_gas_price(outbox, issuer, chain, clock, db_sessions):
    legacy = replace(ANVIL, fee_model="legacy", max_fee_gwei=Decimal(50))
    manager = manager_for(legacy, db_sessions, chain, issuer, clock)
    to = fresh_address()
    row = outbox.enqueue("pay", sender=issuer.address, to=to, value=77)
    manager.step()
    done = outbox.get(row.id)
    assert done.state == "confirmed" and chain.balance(to) == 77
    sent = chain.transaction(done.tx_hash)
    assert int(sent["type"], 16) == 0 and int(sent["gasPrice"], 16) == int(done.gas_price)
    assert done.max_fee_per_gas is None and done.max_priority_fee_per_gas is None
    [attempt] = attempts(db_sessions, row.id)
    assert attempt.gas_price == done.gas_price and attempt.max_fee_per_gas is None


def test_a_stuck_legacy_transaction_is_replaced_with_a_bumped_gas_price(outbox, issuer, chain, local, clock,
                                                                        db_sessions):
    legacy = replace(ANVIL, fee_model="legacy", max_fee_gwei=Decimal(50))
    manager = manager_for(legacy, db_sessions, chain, issuer, clock)
    local.rpc("evm_setAutomine", [False])
    row = outbox.enqueue("pay", sender=issuer.address, to=fresh_address(), value=5)
    manager.step()
    clock.now += 31
    manager.step()
    first, second = attempts(db_sessions, row.id)
    assert int(second.gas_price) * 1000 >= int(first.gas_price) * 1125  # the node asks +10%: we pay +12.5%
    local.rpc("evm_mine", [])
    manager.step()
    done = outbox.get(row.id)
    assert done.state == "confirmed" and done.tx_hash == second.tx_hash
    assert chain.receipt(first.tx_hash) is None


def test_a_replacement_that_would_pass_the_cap_is_not_sent(outbox, issuer, chain, local, clock, db_sessions):
    # A fresh anvil's base fee is 1 gwei: the quote (2 × base + tip) meets the 2 gwei cap, then the base fee
    # jumps and the transaction is stuck; a bump of a capped fee would pay more than the cap.
    capped = ANVIL.capped(max_fee_gwei=Decimal(2), max_priority_fee_gwei=Decimal(1))
    manager = manager_for(capped, db_sessions, chain, issuer, clock)
    local.rpc("evm_setAutomine", [False])
    row = outbox.enqueue("pay", sender=issuer.address, to=fresh_address(), value=1)
    manager.step()
    assert int(outbox.get(row.id).max_fee_per_gas) == 2 * GWEI
    local.rpc("anvil_setNextBlockBaseFeePerGas", [hex(10 * GWEI)])
    local.rpc("evm_mine", [])
    clock.now += 31
    manager.step()
    assert len(attempts(db_sessions, row.id)) == 1  # still waiting at the cap
    assert outbox.get(row.id).state == "sent"
    # With room under a raised cap the next stuck check replaces it, and it is mined.
    manager.network = ANVIL.capped(max_fee_gwei=Decimal(40), max_priority_fee_gwei=Decimal(2))
    clock.now += 31
    manager.step()
    first, second = attempts(db_sessions, row.id)
    assert int(second.max_fee_per_gas) * 1000 >= int(first.max_fee_per_gas) * 1125
    assert int(second.max_fee_per_gas) <= 40 * GWEI
    local.rpc("evm_mine", [])
    manager.step()
    assert outbox.get(row.id).state == "confirmed" and outbox.get(row.id).tx_hash == second.tx_hash


def test_replacement_fees_bump_every_field_and_stop_at_the_caps():
    capped = ANVIL.capped(max_fee_gwei=Decimal(10), max_priority_fee_gwei=Decimal(2))
    old = {"maxFeePerGas": 8 * GWEI, "maxPriorityFeePerGas": GWEI}
    assert replacement_fees(old, {"maxFeePerGas": GWEI, "maxPriorityFeePerGas": GWEI}, capped) == {
        "maxFeePerGas": 9 * GWEI, "maxPriorityFeePerGas": 1125 * GWEI // 1000}
    # Today's quote is higher than the bump: today's.
    assert replacement_fees(old, {"maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": 2 * GWEI}, capped) == {
        "maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": 2 * GWEI}
    assert replacement_fees({"maxFeePerGas": 9 * GWEI, "maxPriorityFeePerGas": GWEI}, {}, capped) is None
    assert replacement_fees({"maxFeePerGas": 4 * GWEI, "maxPriorityFeePerGas": 2 * GWEI}, {}, capped) is None
    legacy = replace(capped, fee_model="legacy")
    assert replacement_fees({"gasPrice": 8 * GWEI}, {"gasPrice": GWEI}, legacy) == {"gasPrice": 9 * GWEI}
    assert replacement_fees({"gasPrice": 9 * GWEI}, {"gasPrice": GWEI}, legacy) is None
