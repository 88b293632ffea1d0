"""ERC-5192: locked cards cannot move or be approved, only burnt or re-issued."""

import brownie

from card_setup import error, issued


def test_soulbound_card_reports_locked(card, issuer, alice):
    assert card.locked(issued(card, issuer, alice)) is True
    assert card.soulbound() is True


def test_locked_of_unknown_card_reverts(card):
    with brownie.reverts(error("ResidentCardNonexistent", 5)):
        card.locked(5)


def test_locked_card_cannot_be_transferred(card, issuer, alice, bob):
    token = issued(card, issuer, alice)
    with brownie.reverts(error("ResidentCardLocked", token)):
        card.transferFrom(alice, bob, token, {"from": alice})


def test_locked_card_cannot_be_safe_transferred(card, issuer, alice, bob):
    token = issued(card, issuer, alice)
    with brownie.reverts(error("ResidentCardLocked", token)):
        card.safeTransferFrom(alice, bob, token, {"from": alice})
    with brownie.reverts(error("ResidentCardLocked", token)):
        card.safeTransferFrom(alice, bob, token, b"hi", {"from": alice})


def test_locked_card_cannot_be_approved(card, issuer, alice, bob):
    token = issued(card, issuer, alice)
    with brownie.reverts(error("ResidentCardLocked", token)):
        card.approve(bob, token, {"from": alice})


def test_operator_cannot_move_locked_card(card, issuer, alice, bob):
    token = issued(card, issuer, alice)
    card.setApprovalForAll(bob, True, {"from": alice})
    with brownie.reverts(error("ResidentCardLocked", token)):
        card.transferFrom(alice, bob, token, {"from": bob})
    assert card.ownerOf(token) == alice


def test_admin_can_unlock_a_card_which_then_moves(card, admin, issuer, alice, bob):
    token = issued(card, issuer, alice)
    tx = card.setLocked(token, False, {"from": admin})
    assert tx.events["Unlocked"]["tokenId"] == token
    assert tx.events["MetadataUpdate"]["_tokenId"] == token
    card.transferFrom(alice, bob, token, {"from": alice})
    assert card.ownerOf(token) == bob


def test_locking_a_card_clears_its_approval(tradable, admin, issuer, alice, bob):
    token = issued(tradable, issuer, alice)
    tradable.approve(bob, token, {"from": alice})
    tx = tradable.setLocked(token, True, {"from": admin})
    assert tx.events["Locked"]["tokenId"] == token
    assert tradable.getApproved(token) == "0x0000000000000000000000000000000000000000"


def test_setting_the_same_lock_emits_nothing(card, admin, issuer, alice):
    token = issued(card, issuer, alice)
    tx = card.setLocked(token, True, {"from": admin})
    assert "Locked" not in tx.events and "MetadataUpdate" not in tx.events


def test_only_admin_changes_locks(card, issuer, alice):
    token = issued(card, issuer, alice)
    with brownie.reverts(error("AccessControlUnauthorizedAccount", issuer, card.DEFAULT_ADMIN_ROLE())):
        card.setLocked(token, False, {"from": issuer})
