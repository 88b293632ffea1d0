"""Tradable cards: transfers, approvals, the wallet cap on transfer, royalties."""

import brownie

from card_setup import BASIC, ZERO, error, issued


def test_holder_transfers_tradable_card_keeping_its_data(tradable, issuer, alice, bob):
    token = issued(tradable, issuer, alice)
    before = tradable.cardOf(token)
    tradable.transferFrom(alice, bob, token, {"from": alice})
    assert tradable.ownerOf(token) == bob
    assert tradable.cardOf(token) == before


def test_approved_account_transfers(tradable, issuer, alice, bob, carol):
    token = issued(tradable, issuer, alice)
    tradable.approve(carol, token, {"from": alice})
    tradable.transferFrom(alice, bob, token, {"from": carol})
    assert tradable.ownerOf(token) == bob
    assert tradable.getApproved(token) == ZERO


def test_stranger_cannot_transfer(tradable, issuer, alice, bob, outsider):
    token = issued(tradable, issuer, alice)
    with brownie.reverts(error("ResidentCardNotAuthorized", outsider, token, alice)):
        tradable.transferFrom(alice, bob, token, {"from": outsider})


def test_stranger_cannot_approve(tradable, issuer, alice, outsider):
    token = issued(tradable, issuer, alice)
    with brownie.reverts(error("ResidentCardNotAuthorized", outsider, token, alice)):
        tradable.approve(outsider, token, {"from": outsider})


def test_transfer_naming_wrong_holder_reverts(tradable, issuer, alice, bob):
    token = issued(tradable, issuer, alice)
    with brownie.reverts(error("ResidentCardIncorrectHolder", bob, token, alice)):
        tradable.transferFrom(bob, alice, token, {"from": alice})


def test_transfer_to_zero_address_reverts(tradable, issuer, alice):
    token = issued(tradable, issuer, alice)
    with brownie.reverts(error("ERC721InvalidReceiver", ZERO)):
        tradable.transferFrom(alice, ZERO, token, {"from": alice})


def test_transfer_of_unknown_card_reverts(tradable, alice, bob):
    with brownie.reverts(error("ResidentCardNonexistent", 9)):
        tradable.transferFrom(alice, bob, 9, {"from": alice})


def test_transfer_past_wallet_cap_reverts(tradable, issuer, alice, bob):
    tradable.issueBatch([bob, bob], BASIC, 0, {"from": issuer})
    token = issued(tradable, issuer, alice)
    with brownie.reverts(error("ResidentCardWalletCapExceeded", bob, 3, 2)):
        tradable.transferFrom(alice, bob, token, {"from": alice})


def test_safe_transfer_to_refusing_contract_reverts(tradable, issuer, alice, rejecter):
    token = issued(tradable, issuer, alice)
    with brownie.reverts(error("CardReceiverRefuses", token)):
        tradable.safeTransferFrom(alice, rejecter, token, {"from": alice})


def test_safe_transfer_to_accepting_contract_passes_data(tradable, issuer, alice, receiver):
    token = issued(tradable, issuer, alice)
    tradable.safeTransferFrom(alice, receiver, token, b"\x01", {"from": alice})
    assert tradable.ownerOf(token) == receiver
    assert receiver.lastFrom() == alice


def test_royalty_goes_to_municipality(tradable, admin, issuer, alice):
    token = issued(tradable, issuer, alice)
    receiver, amount = tradable.royaltyInfo(token, 10_000)
    assert (receiver, amount) == (admin, 500)


def test_royalty_above_100_percent_reverts(tradable, admin):
    with brownie.reverts(error("ERC2981InvalidDefaultRoyalty", 10_001, 10_000)):
        tradable.setDefaultRoyalty(admin, 10_001, {"from": admin})


def test_royalty_can_change(tradable, admin, bob):
    tx = tradable.setDefaultRoyalty(bob, 250, {"from": admin})
    assert tx.events["RoyaltyChanged"]["feeBasisPoints"] == 250
    receiver, amount = tradable.royaltyInfo(1, 10_000)
    assert (receiver, amount) == (bob, 250)
