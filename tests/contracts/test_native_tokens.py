"""Native tokens sent with a card transfer or approval are refused: the card contract could never send them on.

Solady makes these ERC-721 functions payable; ResidentCard keeps them payable so that the refusal is a named
error (a nonpayable override reverts with no data).
"""

import pytest

from card_setup import issued
from minter_setup import reverts_with

WEI = 1


def calls(contract, holder, to, token):
    """Every payable function of the card, as (name, call with `value`)."""
    return {
        "transferFrom": lambda value: contract.transferFrom(holder, to, token, {"from": holder, "value": value}),
        "safeTransferFrom(address,address,uint256)":
            lambda value: contract.safeTransferFrom(holder, to, token, {"from": holder, "value": value}),
        "safeTransferFrom(address,address,uint256,bytes)":
            lambda value: contract.safeTransferFrom(holder, to, token, b"\x01", {"from": holder, "value": value}),
        "approve": lambda value: contract.approve(to, token, {"from": holder, "value": value}),
    }


def test_the_refused_functions_are_every_payable_function_of_the_card(tradable):
    payable = {f"{e['name']}({','.join(i['type'] for i in e['inputs'])})" for e in tradable.abi
               if e.get("type") == "function" and e.get("stateMutability") == "payable"}
    assert payable == {"transferFrom(address,address,uint256)", "safeTransferFrom(address,address,uint256)",
                       "safeTransferFrom(address,address,uint256,bytes)", "approve(address,uint256)"}
    assert not [e for e in tradable.abi if e.get("type") in ("receive", "fallback")]


@pytest.mark.parametrize("function", ["transferFrom", "safeTransferFrom(address,address,uint256)",
                                      "safeTransferFrom(address,address,uint256,bytes)", "approve"])
def test_tradable_card_refuses_value_and_stays_put(tradable, issuer, alice, bob, function):
    token = issued(tradable, issuer, alice)
    with reverts_with("ResidentCardNativeTokenRefused", WEI):
        calls(tradable, alice, bob, token)[function](WEI)
    assert tradable.balance() == 0
    assert tradable.ownerOf(token) == alice
    assert tradable.getApproved(token) == "0x0000000000000000000000000000000000000000"
    calls(tradable, alice, bob, token)[function](0)  # the same call without value goes through
    assert tradable.balance() == 0


@pytest.mark.parametrize("function", ["transferFrom", "safeTransferFrom(address,address,uint256)",
                                      "safeTransferFrom(address,address,uint256,bytes)", "approve"])
def test_soulbound_card_refuses_value_too(card, issuer, alice, bob, function):
    token = issued(card, issuer, alice)
    with reverts_with("ResidentCardNativeTokenRefused", 10**18):
        calls(card, alice, bob, token)[function](10**18)
    assert card.balance() == 0
    with reverts_with("ResidentCardLocked", token):  # without value it meets the lock, as before
        calls(card, alice, bob, token)[function](0)


def test_operator_sending_value_is_refused(tradable, issuer, alice, bob, carol):
    token = issued(tradable, issuer, alice)
    tradable.setApprovalForAll(carol, True, {"from": alice})
    with reverts_with("ResidentCardNativeTokenRefused", 5):
        tradable.transferFrom(alice, bob, token, {"from": carol, "value": 5})
    with reverts_with("ResidentCardNativeTokenRefused", 5):
        tradable.approve(bob, token, {"from": carol, "value": 5})
    assert tradable.ownerOf(token) == alice
