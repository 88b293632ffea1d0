"""Roles, pause, card data updates and collection settings."""

import brownie
import pytest
from brownie import ResidentCard, chain

from card_setup import BASIC, DAY, PREMIUM, ZERO, config, error


def test_deployer_config_admin_holds_every_role(card, admin):
    for role in (card.DEFAULT_ADMIN_ROLE(), card.ISSUER_ROLE(), card.PAUSER_ROLE()):
        assert card.hasRole(role, admin)


def test_collection_reports_its_settings(card):
    assert card.name() == "Mine City Digital Resident"
    assert card.symbol() == "MINE"
    assert card.municipalityNameJa() == "美祢市"
    assert card.municipalityNameEn() == "Mine City"
    assert card.maxCardsPerWallet() == 1
    assert card.maxTier() == PREMIUM
    assert card.paused() is False


def test_deploy_with_zero_admin_reverts(admin):
    bad = list(config(admin))
    bad[7] = ZERO
    with brownie.reverts(error("ResidentCardInvalidAdmin", ZERO)):
        ResidentCard.deploy(tuple(bad), {"from": admin})


def test_deploy_with_zero_wallet_cap_reverts(admin):
    with brownie.reverts(error("ResidentCardInvalidWalletCap", 0)):
        ResidentCard.deploy(config(admin, cap=0), {"from": admin})


def test_deploy_with_royalty_above_100_percent_reverts(admin):
    with brownie.reverts(error("ERC2981InvalidDefaultRoyalty", 10_001, 10_000)):
        ResidentCard.deploy(config(admin, royalty_bps=10_001), {"from": admin})


def test_pause_blocks_issuing_transfers_and_burns(tradable, admin, issuer, pauser, alice, bob):
    tradable.issue(alice, BASIC, 0, {"from": issuer})
    tx = tradable.pause({"from": pauser})
    assert tx.events["Paused"]["account"] == pauser
    paused = error("ResidentCardPaused")
    for attempt in (
        lambda: tradable.issue(bob, BASIC, 0, {"from": issuer}),
        lambda: tradable.issueWithPolicy(bob, BASIC, 0, True, {"from": issuer}),
        lambda: tradable.issueBatch([bob], BASIC, 0, {"from": issuer}),
        lambda: tradable.transferFrom(alice, bob, 1, {"from": alice}),
        lambda: tradable.safeTransferFrom(alice, bob, 1, {"from": alice}),
        lambda: tradable.revoke(1, {"from": issuer}),
        lambda: tradable.optOut(1, {"from": alice}),
        lambda: tradable.reissue(1, bob, {"from": issuer}),
        lambda: tradable.setTier(1, PREMIUM, {"from": issuer}),
        lambda: tradable.setExpiry(1, chain.time() + DAY, {"from": issuer}),
        lambda: tradable.setLocked(1, True, {"from": admin}),
        lambda: tradable.pause({"from": pauser}),
    ):
        with brownie.reverts(paused):
            attempt()
    assert tradable.ownerOf(1) == alice


def test_unpause_restores_transfers(tradable, issuer, pauser, alice, bob):
    tradable.issue(alice, BASIC, 0, {"from": issuer})
    tradable.pause({"from": pauser})
    tx = tradable.unpause({"from": pauser})
    assert tx.events["Unpaused"]["account"] == pauser
    tradable.transferFrom(alice, bob, 1, {"from": alice})
    assert tradable.ownerOf(1) == bob


def test_unpause_when_not_paused_reverts(card, pauser):
    with brownie.reverts(error("ResidentCardNotPaused")):
        card.unpause({"from": pauser})


def test_only_pauser_pauses(card, issuer):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", issuer, card.PAUSER_ROLE())):
        card.pause({"from": issuer})


def test_set_tier_emits_metadata_update(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    tx = card.setTier(1, PREMIUM, {"from": issuer})
    assert card.cardOf(1)["tier"] == PREMIUM
    assert tx.events["MetadataUpdate"]["_tokenId"] == 1
    changed = tx.events["TierChanged"]
    assert (changed["previousTier"], changed["newTier"]) == (BASIC, PREMIUM)


def test_set_tier_keeps_other_data(card, issuer, alice):
    expires = chain.time() + DAY
    card.issue(alice, BASIC, expires, {"from": issuer})
    before = card.cardOf(1)
    card.setTier(1, PREMIUM, {"from": issuer})
    after = card.cardOf(1)
    assert (after["residentNumber"], after["expiresAt"], after["issuedAt"], after["locked"]) == (
        before["residentNumber"], before["expiresAt"], before["issuedAt"], before["locked"])


def test_set_invalid_tier_reverts(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with brownie.reverts(error("ResidentCardInvalidTier", 7, 1)):
        card.setTier(1, 7, {"from": issuer})


def test_set_expiry_emits_metadata_update_and_renews(card, issuer, alice):
    card.issue(alice, BASIC, chain.time() + DAY, {"from": issuer})
    renewed = chain.time() + 365 * DAY
    tx = card.setExpiry(1, renewed, {"from": issuer})
    assert card.cardOf(1)["expiresAt"] == renewed
    assert tx.events["MetadataUpdate"]["_tokenId"] == 1
    assert tx.events["ExpiryChanged"]["newExpiresAt"] == renewed
    chain.sleep(2 * DAY)
    chain.mine()
    assert card.isValid(1) is True


def test_set_expiry_to_zero_means_never(card, issuer, alice):
    card.issue(alice, BASIC, chain.time() + DAY, {"from": issuer})
    card.setExpiry(1, 0, {"from": issuer})
    chain.sleep(2 * DAY)
    chain.mine()
    assert card.isValid(1) is True


def test_set_expiry_in_past_reverts(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with pytest.raises(brownie.exceptions.VirtualMachineError) as exc:
        card.setExpiry(1, 1, {"from": issuer})
    assert exc.value.revert_msg.startswith("ResidentCardExpiryInPast: 1, ")
    assert card.cardOf(1)["expiresAt"] == 0


def test_data_updates_of_unknown_card_revert(card, issuer):
    with brownie.reverts(error("ResidentCardNonexistent", 4)):
        card.setTier(4, PREMIUM, {"from": issuer})
    with brownie.reverts(error("ResidentCardNonexistent", 4)):
        card.setExpiry(4, 0, {"from": issuer})


def test_base_uri_change_refreshes_all_metadata(card, admin, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    tx = card.setBaseURI("https://resident.example/metadata/", {"from": admin})
    assert card.tokenURI(1) == "https://resident.example/metadata/1"
    assert tx.events["BaseURIChanged"]["baseURI"] == "https://resident.example/metadata/"
    assert tx.events["BatchMetadataUpdate"]["_fromTokenId"] == 1


def test_empty_base_uri_gives_empty_token_uri(card, admin, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    card.setBaseURI("", {"from": admin})
    assert card.tokenURI(1) == ""


def test_only_admin_changes_settings(card, issuer):
    role = card.DEFAULT_ADMIN_ROLE()
    with brownie.reverts(error("AccessControlUnauthorizedAccount", issuer, role)):
        card.setBaseURI("x", {"from": issuer})
    with brownie.reverts(error("AccessControlUnauthorizedAccount", issuer, role)):
        card.setMaxCardsPerWallet(3, {"from": issuer})
    with brownie.reverts(error("AccessControlUnauthorizedAccount", issuer, role)):
        card.setDefaultRoyalty(issuer, 1, {"from": issuer})


def test_wallet_cap_change_applies_to_new_cards(card, admin, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    tx = card.setMaxCardsPerWallet(2, {"from": admin})
    assert (tx.events["WalletCapChanged"]["previousCap"], tx.events["WalletCapChanged"]["newCap"]) == (1, 2)
    card.issue(alice, BASIC, 0, {"from": issuer})
    assert card.balanceOf(alice) == 2


def test_invalid_wallet_cap_reverts(card, admin):
    with brownie.reverts(error("ResidentCardInvalidWalletCap", 0)):
        card.setMaxCardsPerWallet(0, {"from": admin})
    with brownie.reverts(error("ResidentCardInvalidWalletCap", 65_536)):
        card.setMaxCardsPerWallet(65_536, {"from": admin})


def test_max_tier_above_storage_reverts(card, admin):
    with brownie.reverts(error("ResidentCardInvalidMaxTier", 128)):
        card.setMaxTier(128, {"from": admin})


def test_revoked_issuer_can_no_longer_issue(card, admin, issuer, alice):
    card.revokeRole(card.ISSUER_ROLE(), issuer, {"from": admin})
    with brownie.reverts(error("AccessControlUnauthorizedAccount", issuer, card.ISSUER_ROLE())):
        card.issue(alice, BASIC, 0, {"from": issuer})
