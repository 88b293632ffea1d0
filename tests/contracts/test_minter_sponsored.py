"""Sponsored claims (`claimFor`): a resident signs an EIP-712 claim request, anyone sends it and pays.

Requests are signed by eth-account (EOA) or by a contract wallet's owner (ERC1271Wallet, ERC-1271) under
the contract's own domain; the recipient holds no native token.
"""

import pytest
from brownie import ERC1271ReceivingWallet, ERC1271Wallet, chain, web3
from eth_account import Account
from eth_utils import encode_hex

from backend.campaigns import claim_requests
from backend.campaigns.claim_requests import ClaimRequest
from minter_setup import (  # noqa: F401  (fixtures)
    DAY, ETHER, collection, created, domain, minter, next_block_at, open_claim, reverts_with,
)


@pytest.fixture
def resident():
    """A fresh EOA with no native token at all."""
    return Account.create()


def request_for(recipient, campaign_id, nonce=0, deadline=None, **extra):
    return ClaimRequest(recipient=getattr(recipient, "address", recipient), campaign_id=campaign_id, quantity=1,
                        nonce=nonce, deadline=deadline if deadline is not None else chain.time() + DAY, **extra)


def send(minter, request, signature, relayer, value=0):
    return minter.claimFor(request.as_tuple(), signature, [], {"from": relayer, "value": value})


def test_python_digest_equals_the_contract_digest(minter, domain, resident):
    request = request_for(resident, 1, nonce=3)
    assert encode_hex(claim_requests.digest(domain, request)) == minter.claimRequestDigest(request.as_tuple())


def test_the_card_goes_to_the_recipient_who_holds_no_native_token(minter, collection, admin, domain, resident, bob):
    campaign_id = created(minter, admin)
    assert web3.eth.get_balance(resident.address) == 0
    request = request_for(resident, campaign_id)
    relayer_before = bob.balance()
    tx = send(minter, request, claim_requests.sign_request(domain, request, resident.key), bob)
    assert collection.ownerOf(tx.return_value) == resident.address
    assert collection.balanceOf(bob) == 0
    assert tx.events["Claimed"]["recipient"] == resident.address
    assert minter.claimedBy(campaign_id, resident.address) == 1
    assert bob.balance() == relayer_before - tx.gas_used * tx.gas_price  # the sender paid the gas
    assert web3.eth.get_balance(resident.address) == 0


def test_a_contract_wallet_signs_through_erc1271(minter, collection, admin, domain, resident, bob):
    wallet = ERC1271ReceivingWallet.deploy(resident.address, {"from": admin})
    campaign_id = created(minter, admin)
    request = request_for(wallet, campaign_id)
    tx = send(minter, request, claim_requests.sign_request(domain, request, resident.key), bob)
    assert collection.ownerOf(tx.return_value) == wallet.address


def test_a_contract_wallet_refusing_names_the_signer(minter, admin, domain, bob):
    wallet = ERC1271Wallet.deploy(bob.address, {"from": admin})
    campaign_id = created(minter, admin)
    request = request_for(wallet, campaign_id)
    # Someone other than the wallet's owner signs: the wallet answers "no" (ERC-1271), and the error names who did.
    stranger = Account.create()
    with reverts_with("ResidentMinterClaimRequestWrongSigner", wallet.address, stranger.address):
        send(minter, request, claim_requests.sign_request(domain, request, stranger.key), bob)


def test_expired_request_is_refused(minter, admin, domain, resident, bob):
    campaign_id = created(minter, admin)
    deadline = chain.time() + 60
    request = request_for(resident, campaign_id, deadline=deadline)
    signature = claim_requests.sign_request(domain, request, resident.key)
    next_block_at(deadline + 1)
    with reverts_with("ResidentMinterClaimRequestExpired", deadline, deadline + 1):
        send(minter, request, signature, bob)


def test_request_for_another_recipient_is_refused(minter, admin, domain, resident, alice):
    campaign_id = created(minter, admin)
    attacker = Account.create()
    request = request_for(resident, campaign_id)  # names the resident, signed by someone else
    with reverts_with("ResidentMinterClaimRequestWrongSigner", resident.address, attacker.address):
        send(minter, request, claim_requests.sign_request(domain, request, attacker.key), alice)


def test_request_of_another_minter_or_chain_reads_as_another_signer(minter, admin, domain, resident, alice):
    campaign_id = created(minter, admin)
    request = request_for(resident, campaign_id)
    other = dict(domain, chainId=domain["chainId"] + 1)
    with pytest.raises(Exception) as failure:
        send(minter, request, claim_requests.sign_request(other, request, resident.key), alice)
    assert failure.value.revert_msg.startswith(f"ResidentMinterClaimRequestWrongSigner: {resident.address.lower()}, ")


def test_malformed_signature_is_refused(minter, admin, resident, alice):
    campaign_id = created(minter, admin)
    with reverts_with("ResidentMinterClaimRequestInvalidSignature", resident.address):
        send(minter, request_for(resident, campaign_id), b"\x01" * 10, alice)


def test_replayed_request_is_refused(minter, admin, domain, resident, alice):
    campaign_id = created(minter, admin, maxPerWallet=2)
    request = request_for(resident, campaign_id)
    signature = claim_requests.sign_request(domain, request, resident.key)
    send(minter, request, signature, alice)
    with reverts_with("ResidentMinterClaimRequestReplayed", resident.address, 0, 1):
        send(minter, request, signature, alice)


def test_the_campaign_rules_still_apply(minter, admin, domain, resident, alice):
    campaign_id = created(minter, admin, voucher=True)
    request = request_for(resident, campaign_id)
    with reverts_with("ResidentMinterVoucherRequired", campaign_id):
        send(minter, request, claim_requests.sign_request(domain, request, resident.key), alice)


def test_holders_with_a_wallet_still_claim_and_pay_themselves(minter, collection, admin, alice):
    campaign_id = created(minter, admin, price=ETHER // 100)
    before = alice.balance()
    tx = open_claim(minter, alice, campaign_id, value=ETHER // 100)
    assert collection.ownerOf(tx.return_value) == alice
    assert alice.balance() == before - ETHER // 100 - tx.gas_used * tx.gas_price
