"""Revoke (a resident leaves), opt out (the holder leaves), re-issue (a lost wallet)."""

import brownie
from brownie import chain

from card_setup import BASIC, DAY, PREMIUM, ZERO, error


def test_issuer_revokes_a_card(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    tx = card.revoke(1, {"from": issuer})
    assert tx.events["Transfer"]["to"] == ZERO
    revoked = tx.events["CardRevoked"]
    assert (revoked["tokenId"], revoked["residentNumber"], revoked["holder"], revoked["issuer"]) == (1, 1, alice, issuer)
    assert card.balanceOf(alice) == 0
    assert card.totalSupply() == 0
    assert card.isValid(1) is False


def test_revoked_card_has_no_data(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    card.revoke(1, {"from": issuer})
    with brownie.reverts(error("ResidentCardNonexistent", 1)):
        card.cardOf(1)
    with brownie.reverts(error("ResidentCardNonexistent", 1)):
        card.ownerOf(1)
    with brownie.reverts(error("ResidentCardNonexistent", 1)):
        card.tokenURI(1)


def test_resident_numbers_are_not_reused_after_revoke(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    card.revoke(1, {"from": issuer})
    token = card.issue(alice, BASIC, 0, {"from": issuer}).return_value
    assert token == 2
    assert card.cardOf(token)["residentNumber"] == 2


def test_non_issuer_cannot_revoke(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with brownie.reverts(error("AccessControlUnauthorizedAccount", alice, card.ISSUER_ROLE())):
        card.revoke(1, {"from": alice})


def test_revoking_unknown_card_reverts(card, issuer):
    with brownie.reverts(error("ResidentCardNonexistent", 3)):
        card.revoke(3, {"from": issuer})


def test_holder_opts_out_of_locked_card(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    tx = card.optOut(1, {"from": alice})
    assert tx.events["CardOptedOut"]["holder"] == alice
    assert card.balanceOf(alice) == 0
    assert card.totalSupply() == 0


def test_only_holder_opts_out(card, issuer, alice, bob):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with brownie.reverts(error("ResidentCardNotAuthorized", bob, 1, alice)):
        card.optOut(1, {"from": bob})
    with brownie.reverts(error("ResidentCardNotAuthorized", issuer, 1, alice)):
        card.optOut(1, {"from": issuer})


def test_reissue_moves_resident_to_new_wallet_with_same_data(card, issuer, alice, bob):
    expires = chain.time() + 100 * DAY
    old = card.issue(alice, PREMIUM, expires, {"from": issuer})
    chain.sleep(DAY)
    tx = card.reissue(old.return_value, bob, {"from": issuer})
    new = tx.return_value
    assert new == 2
    assert card.balanceOf(alice) == 0
    assert card.ownerOf(new) == bob
    data = card.cardOf(new)
    assert data["residentNumber"] == 1
    assert data["tier"] == PREMIUM
    assert data["expiresAt"] == expires
    assert data["issuedAt"] == old.timestamp
    assert data["locked"] is True
    link = tx.events["CardReissued"]
    assert (link["oldTokenId"], link["newTokenId"], link["residentNumber"]) == (1, 2, 1)
    assert (link["previousHolder"], link["newHolder"]) == (alice, bob)
    assert tx.events["Locked"]["tokenId"] == 2
    assert card.totalSupply() == 1
    assert card.residentCount() == 1  # no new resident number


def test_reissue_to_wallet_holding_a_card_reverts(tradable, issuer, alice, bob):
    tradable.issue(alice, BASIC, 0, {"from": issuer})
    tradable.issue(bob, BASIC, 0, {"from": issuer})
    with brownie.reverts(error("ResidentCardReceiverHoldsCard", bob, 1)):
        tradable.reissue(1, bob, {"from": issuer})
    assert tradable.ownerOf(1) == alice


def test_reissue_to_zero_address_reverts(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with brownie.reverts(error("ERC721InvalidReceiver", ZERO)):
        card.reissue(1, ZERO, {"from": issuer})


def test_reissue_to_refusing_contract_reverts_and_keeps_old_card(card, issuer, alice, rejecter):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with brownie.reverts(error("CardReceiverRefuses", 2)):
        card.reissue(1, rejecter, {"from": issuer})
    assert card.ownerOf(1) == alice


def test_non_issuer_cannot_reissue(card, issuer, alice, bob):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with brownie.reverts(error("AccessControlUnauthorizedAccount", alice, card.ISSUER_ROLE())):
        card.reissue(1, bob, {"from": alice})
