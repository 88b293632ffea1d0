"""Open claims: the cards they issue, the campaign window, supply and wallet limits."""

from brownie import ResidentCard, ResidentMinter, chain

from card_setup import ZERO, config
from minter_setup import (  # noqa: F401  (fixtures)
    CAMPAIGN_PRICE, DAY, campaign, collection, created, minter, next_block_at, open_claim, reverts_with, role_error,
)


def test_free_claim_issues_a_card_of_the_campaign_tier(minter, collection, admin, alice):
    created(minter, admin, tier=1)
    tx = open_claim(minter, alice, 1)
    assert tx.return_value == 1
    assert collection.ownerOf(1) == alice
    card = collection.cardOf(1)
    assert (card["tier"], card["expiresAt"], card["locked"]) == (1, 0, True)
    claimed = tx.events["Claimed"]
    assert (claimed["campaignId"], claimed["recipient"], claimed["firstTokenId"]) == (1, alice, 1)
    assert (claimed["quantity"], claimed["paid"], claimed["key"]) == (1, 0, "0x" + "00" * 32)
    assert tx.events["CardsIssued"]["count"] == 1


def test_validity_period_counts_from_the_claim(minter, collection, admin, alice):
    created(minter, admin, validFor=365 * DAY)
    tx = open_claim(minter, alice, 1)
    assert collection.cardOf(1)["expiresAt"] == tx.timestamp + 365 * DAY


def test_fixed_expiry_is_the_same_for_every_claim(minter, collection, admin, alice, bob):
    expires = campaign()[1] + 100 * DAY
    created(minter, admin, expiresAt=expires)
    open_claim(minter, alice, 1)
    chain.sleep(DAY)
    open_claim(minter, bob, 1)
    assert collection.cardOf(1)["expiresAt"] == collection.cardOf(2)["expiresAt"] == expires


def test_claim_before_start_is_refused(minter, admin, alice):
    start = chain.time() + DAY
    created(minter, admin, start=start, end=start + DAY)
    next_block_at(start - 1)
    with reverts_with("ResidentMinterCampaignNotStarted", 1, start, start - 1):
        open_claim(minter, alice, 1)


def test_claim_at_end_is_refused(minter, admin, alice):
    end = chain.time() + 3600
    created(minter, admin, end=end)
    next_block_at(end)  # the end is exclusive
    with reverts_with("ResidentMinterCampaignEnded", 1, end, end):
        open_claim(minter, alice, 1)


def test_claim_opens_at_start(minter, collection, admin, alice):
    start = chain.time() + 3600
    created(minter, admin, start=start, end=start + DAY)
    next_block_at(start)
    assert open_claim(minter, alice, 1).timestamp == start
    assert collection.balanceOf(alice) == 1


def test_several_cards_in_one_claim_are_consecutive(minter, collection, admin, alice):
    created(minter, admin, maxPerWallet=3)
    tx = open_claim(minter, alice, 1, quantity=3)
    assert tx.return_value == 1
    assert [collection.ownerOf(t) for t in (1, 2, 3)] == [alice] * 3
    assert tx.events["Claimed"]["quantity"] == 3
    assert tx.events["CardsIssued"]["count"] == 3


def test_zero_quantity_is_refused(minter, admin, alice):
    created(minter, admin)
    with reverts_with("ResidentMinterInvalidQuantity", 0):
        open_claim(minter, alice, 1, quantity=0)


def test_supply_cap_sells_out(minter, admin, alice, bob, carol):
    created(minter, admin, supply=3, maxPerWallet=2)
    open_claim(minter, alice, 1, quantity=2)
    with reverts_with("ResidentMinterSoldOut", 1, 2, 1):
        open_claim(minter, bob, 1, quantity=2)
    open_claim(minter, bob, 1)
    with reverts_with("ResidentMinterSoldOut", 1, 1, 0):
        open_claim(minter, carol, 1)
    assert minter.remaining(1) == 0


def test_wallet_limit_counts_across_claims(minter, admin, alice):
    created(minter, admin, maxPerWallet=2)
    open_claim(minter, alice, 1)
    with reverts_with("ResidentMinterWalletLimitExceeded", alice, 3, 2):
        open_claim(minter, alice, 1, quantity=2)
    open_claim(minter, alice, 1)
    with reverts_with("ResidentMinterWalletLimitExceeded", alice, 3, 2):
        open_claim(minter, alice, 1)


def test_wallet_limit_is_per_campaign(minter, collection, admin, alice):
    created(minter, admin)
    created(minter, admin)
    open_claim(minter, alice, 1)
    open_claim(minter, alice, 2)
    assert collection.balanceOf(alice) == 2


def test_collection_wallet_cap_still_applies(admin, alice):
    soulbound = ResidentCard.deploy(config(admin, cap=1), {"from": admin})
    minter = ResidentMinter.deploy(soulbound, admin, ZERO, {"from": admin})
    soulbound.grantRole(soulbound.ISSUER_ROLE(), minter, {"from": admin})
    created(minter, admin, maxPerWallet=2)
    with reverts_with("ResidentCardWalletCapExceeded", alice, 2, 1):
        open_claim(minter, alice, 1, quantity=2)
    open_claim(minter, alice, 1)
    with reverts_with("ResidentCardWalletCapExceeded", alice, 2, 1):
        open_claim(minter, alice, 1)
    assert minter.claimedBy(1, alice) == 1  # the refused claim left no count behind


def test_voucher_campaign_refuses_open_claims(minter, admin, alice):
    created(minter, admin, voucher=True)
    with reverts_with("ResidentMinterVoucherRequired", 1):
        open_claim(minter, alice, 1)


def test_minter_without_issuer_role_cannot_issue(minter, collection, admin, alice):
    created(minter, admin)
    role = collection.ISSUER_ROLE()
    collection.revokeRole(role, minter, {"from": admin})
    with reverts_with(*role_error(minter, role)):
        open_claim(minter, alice, 1)
    assert minter.claimedBy(1, alice) == 0


def test_paused_collection_refuses_claims(minter, collection, admin, alice):
    created(minter, admin)
    collection.pause({"from": admin})
    with reverts_with("ResidentCardPaused"):
        open_claim(minter, alice, 1)


def test_contract_wallet_claiming_one_card_must_accept_it(minter, collection, admin, ReentrantWallet, CardReceiver):
    created(minter, admin)
    wallet = ReentrantWallet.deploy({"from": admin})
    wallet.arm(minter, b"", 0, {"from": admin})
    call = minter.claim.encode_input(1, 1, [], CAMPAIGN_PRICE, 0)
    wallet.execute(call, {"from": admin})
    assert collection.ownerOf(1) == wallet
