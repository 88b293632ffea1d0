"""Sales: exact payment, refunds of the excess, withdrawals, and re-entrancy."""

from brownie import ReentrantWallet, accounts

from card_setup import ZERO
from minter_setup import (  # noqa: F401  (fixtures)
    CAMPAIGN_PRICE, ETHER, collection, created, minter, open_claim, paid_by, reverts_with, role_error, selector,
)

PRICE = ETHER // 50  # 0.02 ether


def test_exact_payment_buys_a_card(minter, collection, admin, alice):
    created(minter, admin, price=PRICE)
    before = alice.balance()
    tx = open_claim(minter, alice, 1, value=PRICE)
    assert alice.balance() == before - PRICE - paid_by(tx)
    assert minter.balance() == PRICE
    assert tx.events["Claimed"]["paid"] == PRICE
    assert collection.ownerOf(1) == alice


def test_price_is_per_card(minter, admin, alice):
    created(minter, admin, price=PRICE, maxPerWallet=3)
    with reverts_with("ResidentMinterWrongPayment", 3 * PRICE, 3 * PRICE - 1):
        open_claim(minter, alice, 1, quantity=3, value=3 * PRICE - 1)
    open_claim(minter, alice, 1, quantity=3, value=3 * PRICE)
    assert minter.balance() == 3 * PRICE


def test_underpayment_is_refused(minter, admin, alice):
    created(minter, admin, price=PRICE)
    with reverts_with("ResidentMinterWrongPayment", PRICE, PRICE - 1):
        open_claim(minter, alice, 1, value=PRICE - 1)
    with reverts_with("ResidentMinterWrongPayment", PRICE, 0):
        open_claim(minter, alice, 1)


def test_excess_is_refunded_to_the_payer(minter, admin, alice):
    created(minter, admin, price=PRICE)
    before = alice.balance()
    tx = open_claim(minter, alice, 1, value=PRICE + ETHER)
    assert alice.balance() == before - PRICE - paid_by(tx)
    assert minter.balance() == PRICE
    assert tx.events["Claimed"]["paid"] == PRICE


def test_payment_sent_to_a_free_claim_is_refunded(minter, admin, alice):
    created(minter, admin)
    before = alice.balance()
    tx = open_claim(minter, alice, 1, value=ETHER)
    assert alice.balance() == before - paid_by(tx)
    assert minter.balance() == 0


def test_open_campaign_ignores_a_claimed_price_override(minter, admin, alice):
    created(minter, admin, price=PRICE)
    with reverts_with("ResidentMinterWrongPayment", PRICE, 0):
        minter.claim(1, 1, [], 0, 5, {"from": alice})


def test_admin_withdraws_all_proceeds_to_the_treasury(minter, admin, alice, bob):
    created(minter, admin, price=PRICE)
    open_claim(minter, alice, 1, value=PRICE)
    open_claim(minter, bob, 1, value=PRICE)
    treasury = accounts[8]
    before = treasury.balance()
    tx = minter.withdraw(treasury, {"from": admin})
    assert treasury.balance() == before + 2 * PRICE
    assert minter.balance() == 0
    event = tx.events["Withdrawn"]
    assert (event["treasury"], event["amount"], event["by"]) == (treasury, 2 * PRICE, admin)


def test_only_admin_withdraws(minter, admin, alice):
    created(minter, admin, price=PRICE)
    open_claim(minter, alice, 1, value=PRICE)
    with reverts_with(*role_error(alice, minter.DEFAULT_ADMIN_ROLE())):
        minter.withdraw(alice, {"from": alice})
    assert minter.balance() == PRICE


def test_withdraw_refuses_nothing_and_the_zero_address(minter, admin, alice):
    with reverts_with("ResidentMinterNothingToWithdraw"):
        minter.withdraw(admin, {"from": admin})
    created(minter, admin, price=PRICE)
    open_claim(minter, alice, 1, value=PRICE)
    with reverts_with("ResidentMinterInvalidAddress", ZERO):
        minter.withdraw(ZERO, {"from": admin})


def test_reentrant_treasury_cannot_drain(minter, admin, alice, bob):
    created(minter, admin, price=PRICE)
    open_claim(minter, alice, 1, value=PRICE)
    treasury = ReentrantWallet.deploy({"from": admin})
    # The worst case: the treasury itself holds the admin role and re-enters withdraw.
    minter.grantRole(minter.DEFAULT_ADMIN_ROLE(), treasury, {"from": admin})
    treasury.arm(minter, minter.withdraw.encode_input(treasury), 0, {"from": admin})
    minter.withdraw(treasury, {"from": admin})
    assert treasury.balance() == PRICE
    assert (treasury.attempts(), treasury.successes()) == (1, 0)
    assert treasury.lastRevert() == "0x" + selector("ResidentMinterReentrantCall()").hex()
    open_claim(minter, bob, 1, value=PRICE)
    assert minter.balance() == PRICE  # later proceeds stay for the next withdrawal


def test_refund_cannot_reenter_a_claim(minter, collection, admin):
    created(minter, admin, price=PRICE, maxPerWallet=5)
    buyer = ReentrantWallet.deploy({"from": admin})
    buyer.arm(minter, minter.claim.encode_input(1, 1, [], CAMPAIGN_PRICE, 0), PRICE, {"from": admin})
    buyer.execute(minter.claim.encode_input(1, 2, [], CAMPAIGN_PRICE, 0), {"from": admin, "value": 3 * PRICE})
    assert (buyer.attempts(), buyer.successes()) == (1, 0)
    assert buyer.lastRevert() == "0x" + selector("ResidentMinterReentrantCall()").hex()
    assert collection.balanceOf(buyer) == 2
    assert minter.claimedBy(1, buyer) == 2
    assert buyer.balance() == PRICE
    assert minter.balance() == 2 * PRICE


def test_card_receiver_callback_cannot_reenter_a_claim(minter, collection, admin):
    created(minter, admin, maxPerWallet=5)
    wallet = ReentrantWallet.deploy({"from": admin})
    wallet.arm(minter, minter.claim.encode_input(1, 1, [], CAMPAIGN_PRICE, 0), 0, {"from": admin})
    wallet.execute(minter.claim.encode_input(1, 1, [], CAMPAIGN_PRICE, 0), {"from": admin})
    assert (wallet.attempts(), wallet.successes()) == (1, 0)
    assert wallet.lastRevert() == "0x" + selector("ResidentMinterReentrantCall()").hex()
    assert collection.balanceOf(wallet) == 1
