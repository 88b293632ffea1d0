"""Allowlist campaigns: OpenZeppelin StandardMerkleTree proofs built in Python, with per-address overrides."""

import json

from brownie import accounts
from eth_utils import encode_hex

from backend.campaigns.merkle import allowlist_tree, write_proofs
from minter_setup import (  # noqa: F401  (fixtures)
    CAMPAIGN_PRICE, ETHER, collection, created, minter, paid_by, reverts_with,
)

PRICE = ETHER // 50
DISCOUNT = ETHER // 200


def hexes(proof):
    return [encode_hex(node) for node in proof]


def allowlisted(minter, admin, entries, **changes):
    """Creates an allowlist campaign for `entries` (wallet, price or None, limit or None); returns (id, tree)."""
    tree = allowlist_tree([(wallet.address, price, limit) for wallet, price, limit in entries])
    return created(minter, admin, allowlistRoot=tree.root, **changes), tree


def test_listed_wallet_claims_at_campaign_price(minter, collection, admin, alice, bob):
    campaign_id, tree = allowlisted(minter, admin, [(alice, None, None), (bob, None, None)], price=PRICE)
    proof = hexes(tree.proof_for(alice.address))
    minter.claim(campaign_id, 1, proof, CAMPAIGN_PRICE, 0, {"from": alice, "value": PRICE})
    assert collection.ownerOf(1) == alice
    assert minter.balance() == PRICE


def test_unlisted_wallet_is_refused(minter, admin, alice, bob, carol):
    campaign_id, tree = allowlisted(minter, admin, [(alice, None, None), (bob, None, None)])
    with reverts_with("ResidentMinterInvalidProof", campaign_id, carol):
        minter.claim(campaign_id, 1, [], CAMPAIGN_PRICE, 0, {"from": carol})


def test_proof_for_another_address_is_refused(minter, admin, alice, bob, carol):
    campaign_id, tree = allowlisted(minter, admin, [(alice, None, None), (bob, None, None), (carol, None, None)])
    with reverts_with("ResidentMinterInvalidProof", campaign_id, carol):
        minter.claim(campaign_id, 1, hexes(tree.proof_for(alice.address)), CAMPAIGN_PRICE, 0, {"from": carol})
    minter.claim(campaign_id, 1, hexes(tree.proof_for(carol.address)), CAMPAIGN_PRICE, 0, {"from": carol})


def test_price_override_applies_to_its_wallet_only(minter, admin, alice, bob):
    campaign_id, tree = allowlisted(minter, admin, [(alice, DISCOUNT, None), (bob, None, None)], price=PRICE)
    before = alice.balance()
    tx = minter.claim(campaign_id, 1, hexes(tree.proof_for(alice.address)), DISCOUNT, 0,
                      {"from": alice, "value": PRICE})
    assert alice.balance() == before - DISCOUNT - paid_by(tx)
    assert tx.events["Claimed"]["paid"] == DISCOUNT
    with reverts_with("ResidentMinterWrongPayment", PRICE, DISCOUNT):
        minter.claim(campaign_id, 1, hexes(tree.proof_for(bob.address)), CAMPAIGN_PRICE, 0,
                     {"from": bob, "value": DISCOUNT})


def test_free_override_in_a_paid_campaign(minter, admin, alice):
    campaign_id, tree = allowlisted(minter, admin, [(alice, 0, None), (accounts[7], None, None)], price=PRICE)
    minter.claim(campaign_id, 1, hexes(tree.proof_for(alice.address)), 0, 0, {"from": alice})
    assert minter.claimedBy(campaign_id, alice) == 1


def test_claiming_a_price_other_than_the_listed_one_is_refused(minter, admin, alice, bob):
    campaign_id, tree = allowlisted(minter, admin, [(alice, None, None), (bob, DISCOUNT, None)], price=PRICE)
    with reverts_with("ResidentMinterInvalidProof", campaign_id, alice):
        minter.claim(campaign_id, 1, hexes(tree.proof_for(alice.address)), 0, 0, {"from": alice})
    with reverts_with("ResidentMinterInvalidProof", campaign_id, bob):
        minter.claim(campaign_id, 1, hexes(tree.proof_for(bob.address)), 0, 0, {"from": bob})


def test_limit_override_raises_and_lowers_the_wallet_limit(minter, collection, admin, alice, bob):
    campaign_id, tree = allowlisted(minter, admin, [(alice, None, 3), (bob, None, None)], maxPerWallet=2)
    alice_proof = hexes(tree.proof_for(alice.address))
    minter.claim(campaign_id, 3, alice_proof, CAMPAIGN_PRICE, 3, {"from": alice})
    with reverts_with("ResidentMinterWalletLimitExceeded", alice, 4, 3):
        minter.claim(campaign_id, 1, alice_proof, CAMPAIGN_PRICE, 3, {"from": alice})
    bob_proof = hexes(tree.proof_for(bob.address))
    with reverts_with("ResidentMinterWalletLimitExceeded", bob, 3, 2):
        minter.claim(campaign_id, 3, bob_proof, CAMPAIGN_PRICE, 0, {"from": bob})
    with reverts_with("ResidentMinterInvalidProof", campaign_id, bob):
        minter.claim(campaign_id, 3, bob_proof, CAMPAIGN_PRICE, 3, {"from": bob})


def test_new_root_replaces_the_old_list(minter, admin, alice, bob):
    from minter_setup import campaign

    campaign_id, old = allowlisted(minter, admin, [(alice, None, None), (bob, None, None)])
    new = allowlist_tree([(bob.address, None, None), (accounts[7].address, None, None)])
    minter.updateCampaign(campaign_id, campaign(allowlistRoot=new.root), {"from": admin})
    with reverts_with("ResidentMinterInvalidProof", campaign_id, alice):
        minter.claim(campaign_id, 1, hexes(old.proof_for(alice.address)), CAMPAIGN_PRICE, 0, {"from": alice})
    minter.claim(campaign_id, 1, hexes(new.proof_for(bob.address)), CAMPAIGN_PRICE, 0, {"from": bob})


def test_proofs_files_verify_on_chain_for_every_wallet(minter, admin, tmp_path):
    wallets = list(accounts)[:10]
    entries = [(w, DISCOUNT if i % 3 == 0 else None, 2 if i % 2 else None) for i, w in enumerate(wallets)]
    campaign_id, tree = allowlisted(minter, admin, entries, price=PRICE)
    index = json.loads(write_proofs(tree, tmp_path).read_text())
    assert index["root"] == encode_hex(tree.root)
    for wallet in wallets:
        record = json.loads((tmp_path / index["entries"][wallet.address]).read_text())
        _, price, limit = (int(v) if i else v for i, v in enumerate(record["value"]))
        assert record["address"] == wallet.address
        minter.claim(campaign_id, 1, record["proof"], price, limit,
                     {"from": wallet, "value": PRICE if price == CAMPAIGN_PRICE else price})
    assert minter.campaign(campaign_id)[1] == len(wallets)
