"""Issuing to a list in one transaction (an airdrop)."""

import brownie

from card_setup import BASIC, PREMIUM, ZERO, error


def test_batch_issues_consecutive_ids_and_numbers(card, issuer, alice, bob, carol):
    card.issue(alice, BASIC, 0, {"from": issuer})  # number 1 taken first
    tx = card.issueBatch([bob, carol], PREMIUM, 0, {"from": issuer})
    assert tx.return_value == 2
    assert [card.ownerOf(i) for i in (2, 3)] == [bob, carol]
    assert [card.cardOf(i)["residentNumber"] for i in (2, 3)] == [2, 3]
    assert all(card.cardOf(i)["tier"] == PREMIUM for i in (2, 3))
    assert card.totalSupply() == 3


def test_batch_emits_locked_per_card_and_one_summary(card, issuer, alice, bob, carol):
    tx = card.issueBatch([alice, bob, carol], BASIC, 0, {"from": issuer})
    assert [e["tokenId"] for e in tx.events["Locked"]] == [1, 2, 3]
    assert len(tx.events["Transfer"]) == 3
    summary = tx.events["CardsIssued"]
    assert (summary["firstTokenId"], summary["count"], summary["firstResidentNumber"]) == (1, 3, 1)


def test_batch_skips_receiver_check_as_documented(card, issuer, rejecter):
    card.issueBatch([rejecter], BASIC, 0, {"from": issuer})
    assert card.ownerOf(1) == rejecter


def test_batch_with_duplicate_receiver_reverts_whole_batch(card, issuer, alice, bob):
    with brownie.reverts(error("ResidentCardWalletCapExceeded", alice, 2, 1)):
        card.issueBatch([alice, bob, alice], BASIC, 0, {"from": issuer})
    assert card.totalSupply() == 0
    assert card.balanceOf(bob) == 0


def test_batch_with_zero_address_reverts(card, issuer, alice):
    with brownie.reverts(error("ERC721InvalidReceiver", ZERO)):
        card.issueBatch([alice, ZERO], BASIC, 0, {"from": issuer})


def test_empty_batch_reverts(card, issuer):
    with brownie.reverts(error("ResidentCardEmptyBatch")):
        card.issueBatch([], BASIC, 0, {"from": issuer})


def test_batch_by_non_issuer_reverts(card, outsider, alice):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", outsider, card.ISSUER_ROLE())):
        card.issueBatch([alice], BASIC, 0, {"from": outsider})


def test_batch_respects_larger_wallet_cap(tradable, issuer, alice):
    tradable.issueBatch([alice, alice], BASIC, 0, {"from": issuer})
    assert tradable.balanceOf(alice) == 2
    with brownie.reverts(error("ResidentCardWalletCapExceeded", alice, 3, 2)):
        tradable.issueBatch([alice], BASIC, 0, {"from": issuer})
