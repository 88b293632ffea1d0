"""Gas of the claim paths, measured on the real chain (budgets, so a regression fails the suite)."""

from minter_setup import (  # noqa: F401  (fixtures)
    CAMPAIGN_PRICE, ETHER, collection, created, domain, minter, open_claim, signer, signer_key, voucher,
)

from backend.campaigns import vouchers
from backend.campaigns.merkle import allowlist_tree
from eth_utils import encode_hex

# Budgets about 5% above what was measured when written (118,635 free; 125,583 paid with a refund;
# 123,468 allowlist of 10; 149,355 voucher; 170,944 three cards), so a regression fails the suite.
CLAIM_ONE_FREE = 125_000
CLAIM_ONE_PAID_WITH_REFUND = 132_000
CLAIM_ALLOWLIST = 130_000
CLAIM_WITH_VOUCHER = 157_000
CLAIM_THREE_FREE = 180_000


def measured(tx, budget, label):
    print(f"{label}: {tx.gas_used} gas")
    assert tx.gas_used <= budget
    return tx.gas_used


def test_gas_of_a_free_claim(minter, admin, bob, alice):
    created(minter, admin)
    open_claim(minter, bob, 1)  # the collection's counters are no longer fresh: a typical claim
    measured(open_claim(minter, alice, 1), CLAIM_ONE_FREE, "claim, 1 card, free")


def test_gas_of_a_paid_claim_with_refund(minter, admin, bob, alice):
    created(minter, admin, price=ETHER // 50)
    open_claim(minter, bob, 1, value=ETHER // 50)
    measured(open_claim(minter, alice, 1, value=ETHER), CLAIM_ONE_PAID_WITH_REFUND, "claim, 1 card, paid + refund")


def test_gas_of_an_allowlist_claim(minter, admin, accounts):
    tree = allowlist_tree([(a.address, None, None) for a in accounts])
    created(minter, admin, allowlistRoot=tree.root)
    first, second = accounts[3], accounts[4]
    minter.claim(1, 1, [encode_hex(n) for n in tree.proof_for(first.address)], CAMPAIGN_PRICE, 0, {"from": first})
    tx = minter.claim(1, 1, [encode_hex(n) for n in tree.proof_for(second.address)], CAMPAIGN_PRICE, 0,
                      {"from": second})
    measured(tx, CLAIM_ALLOWLIST, "claim, 1 card, allowlist of 10")


def test_gas_of_a_voucher_claim(minter, admin, signer, domain, bob, alice):
    created(minter, admin, voucher=True)
    for wallet, identity in ((bob, "A"), (alice, "B")):
        v = voucher(wallet, 1, identity=identity)
        tx = minter.claimWithVoucher(v.as_tuple(), vouchers.sign_voucher(domain, v, signer.key), {"from": wallet})
    measured(tx, CLAIM_WITH_VOUCHER, "claimWithVoucher")


def test_gas_of_a_three_card_claim(minter, admin, bob, alice):
    created(minter, admin, maxPerWallet=3)
    open_claim(minter, bob, 1)
    measured(open_claim(minter, alice, 1, quantity=3), CLAIM_THREE_FREE, "claim, 3 cards, free")
