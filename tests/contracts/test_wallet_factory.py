"""The test wallet factory behind the ERC-6492 tests (contracts/testing/ERC1271WalletFactory.sol): the address
is known before deployment, deploy() puts the owner's ERC-1271 wallet exactly there, and once only."""

import brownie
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct

SALT = "0x" + "00" * 31 + "07"


def test_deploys_the_owners_wallet_at_the_predicted_address_once(admin, alice, ERC1271WalletFactory,
                                                                  ERC1271Wallet):
    factory = ERC1271WalletFactory.deploy({"from": admin})
    predicted = factory.addressOf(alice, SALT)
    assert len(brownie.web3.eth.get_code(predicted)) == 0
    tx = factory.deploy(alice, SALT, {"from": admin})
    assert tx.return_value == predicted
    assert tx.events["WalletDeployed"]["wallet"] == predicted
    assert ERC1271Wallet.at(predicted).owner() == alice
    again = factory.deploy(alice, SALT, {"from": admin})  # idempotent: the same address, no new event
    assert again.return_value == predicted and "WalletDeployed" not in again.events
    assert factory.addressOf(admin, SALT) != predicted  # another owner, another wallet


def test_the_deployed_wallet_answers_erc1271_for_its_owner_only(admin, ERC1271WalletFactory, ERC1271Wallet):
    owner, stranger = Account.create(), Account.create()
    factory = ERC1271WalletFactory.deploy({"from": admin})
    factory.deploy(owner.address, SALT, {"from": admin})
    wallet = ERC1271Wallet.at(factory.addressOf(owner.address, SALT))
    message = encode_defunct(text="sign in")
    digest = _hash_eip191_message(message)
    assert wallet.isValidSignature(digest, Account.sign_message(message, owner.key).signature) == "0x1626ba7e"
    assert wallet.isValidSignature(digest, Account.sign_message(message, stranger.key).signature) == "0xffffffff"
