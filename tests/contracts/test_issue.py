"""Issuing one card: numbering, data, events, receiver check and every refusal."""

import brownie
import pytest
from brownie import chain

from card_setup import BASIC, DAY, PREMIUM, ZERO, error


def test_issue_assigns_sequential_resident_numbers(card, issuer, alice, bob):
    first = card.issue(alice, BASIC, 0, {"from": issuer}).return_value
    second = card.issue(bob, PREMIUM, 0, {"from": issuer}).return_value
    assert (first, second) == (1, 2)
    assert card.cardOf(first)["residentNumber"] == 1
    assert card.cardOf(second)["residentNumber"] == 2
    assert card.residentCount() == 2
    assert card.totalSupply() == 2


def test_issue_stores_tier_dates_and_lock(card, issuer, alice):
    expires = chain.time() + 365 * DAY
    tx = card.issue(alice, PREMIUM, expires, {"from": issuer})
    data = card.cardOf(tx.return_value)
    assert data["tier"] == PREMIUM
    assert data["expiresAt"] == expires
    assert data["issuedAt"] == tx.timestamp
    assert data["locked"] is True
    assert card.ownerOf(tx.return_value) == alice


def test_issue_emits_transfer_locked_and_cards_issued(card, issuer, alice):
    tx = card.issue(alice, BASIC, 0, {"from": issuer})
    assert tx.events["Transfer"]["from"] == ZERO
    assert tx.events["Transfer"]["to"] == alice
    assert tx.events["Locked"]["tokenId"] == 1
    issued = tx.events["CardsIssued"]
    assert (issued["firstTokenId"], issued["count"], issued["firstResidentNumber"]) == (1, 1, 1)
    assert issued["locked"] is True


def test_tradable_collection_issues_unlocked_cards_with_unlocked_event(tradable, issuer, alice):
    tx = tradable.issue(alice, BASIC, 0, {"from": issuer})
    assert tradable.locked(1) is False
    assert tx.events["Unlocked"]["tokenId"] == 1
    assert "Locked" not in tx.events


def test_issue_with_policy_overrides_collection_policy(card, tradable, issuer, alice, bob):
    card.issueWithPolicy(alice, BASIC, 0, False, {"from": issuer})
    tradable.issueWithPolicy(bob, BASIC, 0, True, {"from": issuer})
    assert card.locked(1) is False
    assert tradable.locked(1) is True


def test_token_uri_is_base_uri_and_id(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    assert card.tokenURI(1) == "ipfs://cards/1"


def test_card_without_expiry_stays_valid(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    chain.sleep(50 * 365 * DAY)
    chain.mine()
    assert card.isValid(1) is True


def test_card_is_invalid_from_its_expiry(card, issuer, alice):
    # From the chain's own clock: after a snapshot revert Brownie's chain.time() and anvil's may disagree.
    expires = chain[-1].timestamp + 10 * DAY
    card.issue(alice, BASIC, expires, {"from": issuer})
    assert card.isValid(1) is True
    chain.sleep(10 * DAY + 1)
    chain.mine()
    assert card.isValid(1) is False
    assert card.ownerOf(1) == alice  # expired, still held


def test_unknown_card_is_not_valid(card):
    assert card.isValid(99) is False


def test_issue_to_accepting_contract_calls_it(card, issuer, receiver):
    card.issue(receiver, BASIC, 0, {"from": issuer})
    assert receiver.lastTokenId() == 1
    assert receiver.lastOperator() == issuer
    assert receiver.lastFrom() == ZERO


def test_issue_to_refusing_contract_reverts_with_its_reason(card, issuer, rejecter):
    with brownie.reverts("CardReceiverRefuses: 1"):
        card.issue(rejecter, BASIC, 0, {"from": issuer})


def test_issue_to_contract_without_receiver_reverts(card, tradable, issuer):
    with brownie.reverts(error("ERC721InvalidReceiver", tradable)):
        card.issue(tradable, BASIC, 0, {"from": issuer})


def test_issue_to_zero_address_reverts(card, issuer):
    with brownie.reverts(error("ERC721InvalidReceiver", ZERO)):
        card.issue(ZERO, BASIC, 0, {"from": issuer})


def test_issue_past_wallet_cap_reverts(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with brownie.reverts(error("ResidentCardWalletCapExceeded", alice, 2, 1)):
        card.issue(alice, BASIC, 0, {"from": issuer})


def test_issue_by_non_issuer_reverts(card, outsider, alice):
    role = card.ISSUER_ROLE()
    with brownie.reverts(error("AccessControlUnauthorizedAccount", outsider, role)):
        card.issue(alice, BASIC, 0, {"from": outsider})


def test_issue_with_expiry_in_past_reverts(card, issuer, alice):
    past = chain.time() - 3600
    with pytest.raises(brownie.exceptions.VirtualMachineError) as exc:
        card.issue(alice, BASIC, past, {"from": issuer})
    # The second value is the block's timestamp, which the test cannot know in advance.
    assert exc.value.revert_msg.startswith(f"ResidentCardExpiryInPast: {past}, ")


def test_issue_with_expiry_beyond_2106_reverts(card, issuer, alice):
    too_late = 2**32
    with brownie.reverts(f"ResidentCardExpiryTooLate: {too_late}, {2**32 - 1}"):
        card.issue(alice, BASIC, too_late, {"from": issuer})


def test_issue_with_unknown_tier_reverts(card, issuer, alice):
    with brownie.reverts("ResidentCardInvalidTier: 2, 1"):
        card.issue(alice, 2, 0, {"from": issuer})


def test_higher_tiers_can_be_enabled(card, admin, issuer, alice):
    card.setMaxTier(2, {"from": admin})
    card.issue(alice, 2, 0, {"from": issuer})
    assert card.cardOf(1)["tier"] == 2


def test_failed_issue_changes_nothing(card, issuer, alice):
    card.issue(alice, BASIC, 0, {"from": issuer})
    with brownie.reverts():
        card.issue(alice, BASIC, 0, {"from": issuer})
    assert card.residentCount() == 1
    assert card.totalSupply() == 1
