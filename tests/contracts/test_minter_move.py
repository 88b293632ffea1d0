"""The collection's minter: one account at a time holds ISSUER_ROLE as the minter, moved by one call."""

import brownie

from card_setup import BASIC, ZERO, error, issued


def events(tx, name):
    return [dict(e) for e in tx.events[name]] if name in tx.events else []


def test_a_new_collection_has_no_minter(card):
    assert card.minter() == ZERO


def test_setting_a_minter_grants_it_issuer_role(card, admin, alice, bob):
    tx = card.setMinter(bob, {"from": admin})
    assert card.minter() == bob
    assert card.hasRole(card.ISSUER_ROLE(), bob)
    assert events(tx, "MinterChanged") == [{"previousMinter": ZERO, "newMinter": bob}]
    assert events(tx, "RoleRevoked") == []
    card.issue(alice, BASIC, 0, {"from": bob})


def test_moving_the_minter_revokes_the_previous_one_in_the_same_call(card, admin, alice, bob, carol):
    card.setMinter(bob, {"from": admin})
    role = card.ISSUER_ROLE()
    tx = card.setMinter(carol, {"from": admin})
    assert card.minter() == carol
    assert not card.hasRole(role, bob) and card.hasRole(role, carol)
    assert events(tx, "RoleRevoked") == [{"role": role, "account": bob, "sender": admin}]
    assert events(tx, "RoleGranted") == [{"role": role, "account": carol, "sender": admin}]
    assert events(tx, "MinterChanged") == [{"previousMinter": bob, "newMinter": carol}]
    with brownie.reverts(error("AccessControlUnauthorizedAccount", bob, role)):
        card.issue(alice, BASIC, 0, {"from": bob})
    card.issue(alice, BASIC, 0, {"from": carol})


def test_moving_the_minter_leaves_the_other_issuers(card, admin, issuer, alice, bob, carol):
    card.setMinter(bob, {"from": admin})
    card.setMinter(carol, {"from": admin})
    role = card.ISSUER_ROLE()
    assert card.hasRole(role, admin) and card.hasRole(role, issuer)
    issued(card, issuer, alice)


def test_retiring_the_minter(card, admin, bob):
    card.setMinter(bob, {"from": admin})
    tx = card.setMinter(ZERO, {"from": admin})
    assert card.minter() == ZERO
    assert not card.hasRole(card.ISSUER_ROLE(), bob)
    assert events(tx, "MinterChanged") == [{"previousMinter": bob, "newMinter": ZERO}]


def test_setting_the_same_minter_again_changes_nothing(card, admin, bob):
    card.setMinter(bob, {"from": admin})
    tx = card.setMinter(bob, {"from": admin})
    assert tx.events.keys() == []
    assert card.minter() == bob and card.hasRole(card.ISSUER_ROLE(), bob)


def test_only_the_admin_moves_the_minter(card, issuer, bob):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", issuer, card.DEFAULT_ADMIN_ROLE())):
        card.setMinter(bob, {"from": issuer})
    assert card.minter() == ZERO


def test_a_minter_that_loses_its_role_otherwise_stops_being_the_minter(card, admin, bob, carol):
    card.setMinter(bob, {"from": admin})
    tx = card.revokeRole(card.ISSUER_ROLE(), bob, {"from": admin})
    assert card.minter() == ZERO
    assert events(tx, "MinterChanged") == [{"previousMinter": bob, "newMinter": ZERO}]
    card.setMinter(carol, {"from": admin})
    tx = card.renounceRole(card.ISSUER_ROLE(), carol, {"from": carol})
    assert card.minter() == ZERO
    assert events(tx, "MinterChanged") == [{"previousMinter": carol, "newMinter": ZERO}]


def test_revoking_another_role_of_the_minter_keeps_it(card, admin, bob):
    card.setMinter(bob, {"from": admin})
    card.grantRole(card.PAUSER_ROLE(), bob, {"from": admin})
    tx = card.revokeRole(card.PAUSER_ROLE(), bob, {"from": admin})
    assert card.minter() == bob
    assert "MinterChanged" not in tx.events
