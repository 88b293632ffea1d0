"""ResidentAccount clones from ResidentAccountFactory: CREATE2 addresses, ERC-1271 through
ERC-7739 with a real P-256 WebAuthn signature, and the gas of a clone beside a full deployment."""

import brownie
import pytest
from eth_account.messages import defunct_hash_message
from eth_utils import keccak

from tests.contracts.accounts.passkey import Passkey, personal_sign_hash

MAGIC = "0x1626ba7e"
REFUSED = "0xffffffff"


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


@pytest.fixture(scope="module")
def factory(ResidentAccountFactory, accounts):
    return ResidentAccountFactory.deploy({"from": accounts[0]})


@pytest.fixture
def passkey():
    return Passkey()


def _create(factory, passkey, sender):
    return factory.createAccount(*passkey.public_key, {"from": sender})


def test_deployed_at_predicted_address(factory, passkey, accounts, ResidentAccount):
    predicted = factory.predictAddress(*passkey.public_key)
    assert brownie.web3.eth.get_code(predicted) == b""
    tx = _create(factory, passkey, accounts[1])
    assert tx.return_value == predicted
    assert tx.events["ResidentAccountCreated"]["account"] == predicted
    account = ResidentAccount.at(predicted)
    assert account.signer() == tuple("0x" + part.hex() for part in passkey.public_key)


def test_create_is_idempotent(factory, passkey, accounts):
    first = _create(factory, passkey, accounts[1]).return_value
    again = _create(factory, passkey, accounts[2])
    assert again.return_value == first
    assert "ResidentAccountCreated" not in again.events


def test_different_keys_different_accounts(factory, accounts):
    one, two = Passkey(), Passkey()
    assert factory.predictAddress(*one.public_key) != factory.predictAddress(*two.public_key)


def test_invalid_key_refused(factory, accounts):
    with brownie.reverts():  # named error ResidentAccountFactoryInvalidKey(qx, qy)
        factory.createAccount(b"\x01" * 32, b"\x02" * 32, {"from": accounts[1]})


def test_initialize_only_once(factory, passkey, accounts, ResidentAccount):
    account = ResidentAccount.at(_create(factory, passkey, accounts[1]).return_value)
    with brownie.reverts():  # InvalidInitialization
        account.initialize(*Passkey().public_key, {"from": accounts[2]})
    template = ResidentAccount.at(factory.implementation())
    with brownie.reverts():
        template.initialize(*passkey.public_key, {"from": accounts[2]})


def test_erc1271_personal_sign_with_webauthn(factory, passkey, accounts, ResidentAccount):
    account = ResidentAccount.at(_create(factory, passkey, accounts[1]).return_value)
    message_hash = bytes(defunct_hash_message(text="resident sign-in"))
    challenge = personal_sign_hash(account.address, brownie.chain.id, message_hash)
    signature = passkey.sign(challenge)
    assert account.isValidSignature(message_hash, signature) == MAGIC
    # the same signature says nothing about another message
    assert account.isValidSignature(keccak(b"other"), signature) == REFUSED


def test_bare_hash_signature_refused(factory, passkey, accounts, ResidentAccount):
    """ERC-7739: a passkey signature of the bare hash (not the account-domain one) is refused,
    so a signature for one account of this passkey cannot be replayed on another."""
    account = ResidentAccount.at(_create(factory, passkey, accounts[1]).return_value)
    message_hash = bytes(defunct_hash_message(text="resident sign-in"))
    assert account.isValidSignature(message_hash, passkey.sign(message_hash)) == REFUSED


def test_wrong_key_refused(factory, passkey, accounts, ResidentAccount):
    account = ResidentAccount.at(_create(factory, passkey, accounts[1]).return_value)
    message_hash = bytes(defunct_hash_message(text="resident sign-in"))
    challenge = personal_sign_hash(account.address, brownie.chain.id, message_hash)
    assert account.isValidSignature(message_hash, Passkey().sign(challenge)) == REFUSED


def test_user_verification_required(factory, passkey, accounts, ResidentAccount):
    account = ResidentAccount.at(_create(factory, passkey, accounts[1]).return_value)
    message_hash = bytes(defunct_hash_message(text="resident sign-in"))
    challenge = personal_sign_hash(account.address, brownie.chain.id, message_hash)
    assert account.isValidSignature(message_hash, passkey.sign(challenge, flags=0x01)) == REFUSED


def test_template_validates_nothing(factory, passkey, ResidentAccount):
    template = ResidentAccount.at(factory.implementation())
    assert template.signer() == ("0x" + "00" * 32, "0x" + "00" * 32)


def test_erc7739_detection(factory, passkey, accounts, ResidentAccount):
    account = ResidentAccount.at(_create(factory, passkey, accounts[1]).return_value)
    assert account.isValidSignature("0x" + "7739" * 16, b"") == "0x77390001"


def test_clone_gas_beside_full_deployment(factory, passkey, accounts, ResidentAccount):
    clone = _create(factory, passkey, accounts[1]).gas_used
    full = ResidentAccount.deploy({"from": accounts[1]}).tx.gas_used
    print(f"\npasskey account deploy gas: clone {clone:,}, full {full:,}")
    assert clone <= 150_000
    assert clone < full / 5


def test_takes_safe_transfers(factory, passkey, accounts, ResidentAccount):
    """Cards are minted and moved with the ERC-721 receiver check: an account that failed it could not claim."""
    account = ResidentAccount.at(_create(factory, passkey, accounts[1]).return_value)
    selector = keccak(text="onERC721Received(address,address,uint256,bytes)")[:4]
    assert account.onERC721Received.call(accounts[1], accounts[2], 7, b"", {"from": accounts[1]}) == "0x" + selector.hex()
