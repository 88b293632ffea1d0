"""ResidentMinter administration: creating, updating, pausing and closing campaigns, and the views."""

from brownie import ResidentMinter, chain

from card_setup import ZERO
from minter_setup import (  # noqa: F401  (fixtures)
    DAY, ETHER, NO_ROOT, campaign, collection, created, minter, open_claim, reverts_with, role_error,
)


def test_minter_names_its_collection_and_roles(minter, collection, admin):
    assert minter.card() == collection
    assert minter.predecessor() == ZERO
    assert minter.hasRole(minter.DEFAULT_ADMIN_ROLE(), admin)
    assert minter.hasRole(minter.VOUCHER_SIGNER_ROLE(), admin)
    assert minter.campaignCount() == 0


def test_deploy_refuses_zero_card_or_admin(collection, admin):
    with reverts_with("ResidentMinterInvalidAddress", ZERO):
        ResidentMinter.deploy(ZERO, admin, ZERO, {"from": admin})
    with reverts_with("ResidentMinterInvalidAddress", ZERO):
        ResidentMinter.deploy(collection, ZERO, ZERO, {"from": admin})


def test_create_stores_settings_and_emits(minter, admin):
    settings = campaign(price=ETHER // 100, supply=50, maxPerWallet=3, tier=1, validFor=365 * DAY)
    tx = minter.createCampaign(settings, {"from": admin})
    assert tx.return_value == 1
    assert tx.events["CampaignCreated"]["campaignId"] == 1
    assert tuple(tx.events["CampaignCreated"]["settings"]) == settings
    stored, claimed, closed = minter.campaign(1)
    assert tuple(stored) == settings
    assert (claimed, closed) == (0, False)
    assert minter.campaignCount() == 1
    assert minter.remaining(1) == 50


def test_campaign_ids_are_sequential(minter, admin):
    assert [created(minter, admin) for _ in range(3)] == [1, 2, 3]


def test_fixed_expiry_and_root_round_trip(minter, admin):
    root = b"\x11" * 32
    settings = campaign(expiresAt=chain.time() + 400 * DAY, allowlistRoot=root, voucher=True, paused=True)
    created(minter, admin, **dict(zip(("expiresAt", "allowlistRoot", "voucher", "paused"), settings[7:])))
    assert tuple(minter.campaign(1)[0]) == settings


def test_only_admin_manages_campaigns(minter, admin, alice):
    role = minter.DEFAULT_ADMIN_ROLE()
    with reverts_with(*role_error(alice, role)):
        minter.createCampaign(campaign(), {"from": alice})
    created(minter, admin)
    with reverts_with(*role_error(alice, role)):
        minter.updateCampaign(1, campaign(), {"from": alice})
    with reverts_with(*role_error(alice, role)):
        minter.setCampaignPaused(1, True, {"from": alice})
    with reverts_with(*role_error(alice, role)):
        minter.closeCampaign(1, {"from": alice})


def test_bad_window_is_refused(minter, admin):
    now = chain.time()
    for start, end in ((now + DAY, now + DAY), (now + 2 * DAY, now + DAY), (now - 2 * DAY, now - DAY), (now, 2**32)):
        with reverts_with("ResidentMinterInvalidWindow", start, end):
            minter.createCampaign(campaign(start=start, end=end), {"from": admin})


def test_price_above_80_bits_is_refused(minter, admin):
    with reverts_with("ResidentMinterInvalidPrice", 2**80):
        minter.createCampaign(campaign(price=2**80), {"from": admin})
    created(minter, admin, price=2**80 - 1)
    assert minter.campaign(1)[0]["price"] == 2**80 - 1


def test_bad_supply_is_refused(minter, admin):
    for supply in (0, 2**24):
        with reverts_with("ResidentMinterInvalidSupply", supply, 0):
            minter.createCampaign(campaign(supply=supply), {"from": admin})


def test_bad_wallet_limit_is_refused(minter, admin):
    for limit in (0, 2**16):
        with reverts_with("ResidentMinterInvalidWalletLimit", limit):
            minter.createCampaign(campaign(maxPerWallet=limit), {"from": admin})


def test_tier_above_collection_max_is_refused(minter, admin, collection):
    with reverts_with("ResidentMinterInvalidTier", 2, 1):
        minter.createCampaign(campaign(tier=2), {"from": admin})
    collection.setMaxTier(5, {"from": admin})
    created(minter, admin, tier=5)


def test_bad_validity_is_refused(minter, admin):
    settings = campaign()
    start, end = settings[0], settings[1]
    for valid_for, expires_at in ((DAY, end + DAY), (0, end), (0, 2**32), (2**32, 0)):
        with reverts_with("ResidentMinterInvalidValidity", valid_for, expires_at):
            # the same start and end each time: campaign() reads Brownie's clock, which may step back between calls
            minter.createCampaign(campaign(start=start, end=end, validFor=valid_for, expiresAt=expires_at),
                                  {"from": admin})


def test_update_replaces_settings_and_emits(minter, admin):
    created(minter, admin)
    settings = campaign(price=ETHER, supply=7, maxPerWallet=2, allowlistRoot=b"\x22" * 32)
    tx = minter.updateCampaign(1, settings, {"from": admin})
    assert tuple(tx.events["CampaignUpdated"]["settings"]) == settings
    assert tuple(minter.campaign(1)[0]) == settings
    minter.updateCampaign(1, campaign(), {"from": admin})
    assert minter.campaign(1)[0]["allowlistRoot"] == "0x" + "00" * 32


def test_update_cannot_shrink_supply_below_claimed(minter, admin, alice, bob):
    created(minter, admin, supply=5)
    open_claim(minter, alice, 1)
    open_claim(minter, bob, 1)
    with reverts_with("ResidentMinterInvalidSupply", 1, 2):
        minter.updateCampaign(1, campaign(supply=1), {"from": admin})
    minter.updateCampaign(1, campaign(supply=2), {"from": admin})
    assert minter.campaign(1)[1] == 2
    assert minter.remaining(1) == 0


def test_unknown_campaign_is_refused_everywhere(minter, admin, alice):
    created(minter, admin)
    for campaign_id in (0, 2):
        with reverts_with("ResidentMinterUnknownCampaign", campaign_id):
            minter.updateCampaign(campaign_id, campaign(), {"from": admin})
        with reverts_with("ResidentMinterUnknownCampaign", campaign_id):
            minter.closeCampaign(campaign_id, {"from": admin})
        with reverts_with("ResidentMinterUnknownCampaign", campaign_id):
            open_claim(minter, alice, campaign_id)
        with reverts_with("ResidentMinterUnknownCampaign", campaign_id):
            minter.campaign(campaign_id)
        with reverts_with("ResidentMinterUnknownCampaign", campaign_id):
            minter.remaining(campaign_id)


def test_paused_campaign_refuses_claims_until_resumed(minter, admin, alice):
    created(minter, admin)
    tx = minter.setCampaignPaused(1, True, {"from": admin})
    assert tx.events["CampaignUpdated"]["settings"]["paused"] is True
    with reverts_with("ResidentMinterCampaignPaused", 1):
        open_claim(minter, alice, 1)
    minter.setCampaignPaused(1, False, {"from": admin})
    open_claim(minter, alice, 1)
    assert minter.claimedBy(1, alice) == 1


def test_campaign_created_paused_refuses_claims(minter, admin, alice):
    created(minter, admin, paused=True)
    with reverts_with("ResidentMinterCampaignPaused", 1):
        open_claim(minter, alice, 1)


def test_closed_campaign_refuses_claims_and_changes(minter, admin, alice):
    created(minter, admin)
    tx = minter.closeCampaign(1, {"from": admin})
    assert tx.events["CampaignClosed"]["campaignId"] == 1
    assert tx.events["CampaignClosed"]["closedAt"] == tx.timestamp
    with reverts_with("ResidentMinterCampaignClosed", 1):
        open_claim(minter, alice, 1)
    with reverts_with("ResidentMinterCampaignClosed", 1):
        minter.updateCampaign(1, campaign(), {"from": admin})
    with reverts_with("ResidentMinterCampaignClosed", 1):
        minter.setCampaignPaused(1, False, {"from": admin})
    with reverts_with("ResidentMinterCampaignClosed", 1):
        minter.closeCampaign(1, {"from": admin})
    assert minter.campaign(1)[2] is True
    assert minter.remaining(1) == 0


def test_active_campaigns_are_those_accepting_claims(minter, admin, alice):
    now = chain.time()
    live = created(minter, admin)
    later = created(minter, admin, start=now + DAY, end=now + 2 * DAY)
    paused = created(minter, admin, paused=True)
    sold_out = created(minter, admin, supply=1)
    closed = created(minter, admin)
    short = created(minter, admin, end=now + 3600)
    open_claim(minter, alice, sold_out)
    minter.closeCampaign(closed, {"from": admin})
    assert list(minter.activeCampaignIds()) == [live, short]
    chain.sleep(2 * 3600)
    chain.mine()
    assert list(minter.activeCampaignIds()) == [live]
    chain.sleep(DAY)
    chain.mine()
    assert list(minter.activeCampaignIds()) == [live, later]
    assert paused not in minter.activeCampaignIds()


def test_remaining_and_claimed_by_follow_claims(minter, admin, alice, bob):
    created(minter, admin, supply=10, maxPerWallet=3)
    open_claim(minter, alice, 1, quantity=2)
    open_claim(minter, bob, 1)
    assert minter.remaining(1) == 7
    assert minter.claimedBy(1, alice) == 2
    assert minter.claimedBy(1, bob) == 1
    assert minter.claimedBy(2, alice) == 0
