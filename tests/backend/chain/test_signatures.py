"""The one signature verifier (backend/chain/signatures.py) on a real anvil, with every signature made by an
independent client: viem from npm, run by Node (viem_signer.mjs). viem's own `verifyHash` is asked beside
ours where it can answer, so both must agree.

Kinds: EOA (EIP-191 and EIP-712), a deployed ERC-1271 wallet, an ERC-6492 signature of a wallet a real
CREATE2 factory (contracts/testing/ERC1271WalletFactory.sol) has not deployed yet and the same wallet after
deployment, and an EOA delegated by a real EIP-7702 (type-4) transaction.
"""

from __future__ import annotations

import pytest
from eth_account import Account

from backend.chain import signatures
from backend.chain.client import Chain
from backend.chain.erc6492_validator import BYTECODE
from backend.civic import ballots
from tests.backend.access_setup import assert_error, deploy_wallet, new_nonce, siwe_text
from tests.backend.viem_setup import SALT, deploy, factory_contract, key_of, viem

@pytest.fixture
def chain(anvil):
    return Chain(anvil.url)


@pytest.fixture
def local(chain_with_collection):
    return chain_with_collection


@pytest.fixture
def factory(local):
    return factory_contract(local, deploy(local, "ERC1271WalletFactory"))


def counterfactual(local, factory, owner, message: str) -> tuple[str, str]:
    """(wallet address, viem's 6492-wrapped personal_sign of `message` by `owner`) for an undeployed wallet."""
    wallet = factory.functions.addressOf(owner.address, bytes.fromhex(SALT[2:])).call()
    inner, data = viem({"op": "signMessage", "key": key_of(owner), "message": message},
                       {"op": "factoryData", "owner": owner.address, "salt": SALT})
    (wrapped,) = viem({"op": "wrap6492", "factory": factory.address, "data": data, "signature": inner})
    assert local.web3.eth.get_code(wallet) == b""
    return wallet, wrapped


def viem_agrees(anvil, address: str, message: str, signature: str) -> bool:
    (answer,) = viem({"op": "verifyHash", "rpc": anvil.url, "address": address,
                      "hash": "0x" + signatures.message_hash(message).hex(), "signature": signature})
    return answer


def test_the_validator_bytecode_is_viems():
    (code,) = viem({"op": "validatorBytecode"})
    assert bytes.fromhex(code[2:]) == BYTECODE


def test_an_eoa_personal_sign_and_typed_data(chain, local):
    signer = local.new_holder()
    data = ballots.typed_data(chain_id=31337, contract=local.collection.address, poll_id=3, token_id=9,
                              answers_hash_hex="0x" + "ab" * 32, expires_at=2_000_000_000)
    message_sig, typed_sig = viem({"op": "signMessage", "key": key_of(signer), "message": "hello 町"},
                                  {"op": "signTypedData", "key": key_of(signer), "typedData": data})
    assert signatures.verify_message(chain, signer.address, "hello 町", message_sig) == signatures.Verdict(True, "eoa")
    assert signatures.verify_typed_data(chain, signer.address, data, typed_sig).kind == "eoa"
    assert signatures.verify_message(None, signer.address, "hello 町", message_sig)  # EOAs need no chain


def test_an_eoa_refuses_a_wrong_signer_a_tampered_message_and_garbage(chain, local):
    signer, stranger = local.new_holder(), Account.create()
    (sig,) = viem({"op": "signMessage", "key": key_of(signer), "message": "vote yes"})
    assert signatures.verify_message(chain, stranger.address, "vote yes", sig).reason == "signature_wrong_signer"
    assert signatures.verify_message(chain, signer.address, "vote no", sig).reason == "signature_wrong_signer"
    assert signatures.verify_message(chain, signer.address, "vote yes", "0xzz").reason == "signature_malformed"
    assert signatures.verify_message(chain, signer.address, "vote yes", "0x").reason == "signature_malformed"


def test_a_deployed_erc1271_wallet(chain, local, anvil):
    owner, stranger = Account.create(), Account.create()
    wallet = deploy_wallet(local, owner.address)
    good, bad = viem({"op": "signMessage", "key": key_of(owner), "message": "sign in"},
                     {"op": "signMessage", "key": key_of(stranger), "message": "sign in"})
    assert signatures.verify_message(chain, wallet, "sign in", good) == signatures.Verdict(True, "erc1271")
    assert signatures.verify_message(chain, wallet, "sign in", bad).reason == "signature_contract_refused"
    assert signatures.verify_message(chain, wallet, "sign out", good).reason == "signature_contract_refused"
    assert viem_agrees(anvil, wallet, "sign in", good) and not viem_agrees(anvil, wallet, "sign in", bad)


def test_a_wallet_answering_the_wrong_magic_is_refused(chain, local, anvil):
    owner = Account.create()
    wallet = deploy_wallet(local, owner.address, "ERC1271WrongMagicWallet")
    (sig,) = viem({"op": "signMessage", "key": key_of(owner), "message": "sign in"})
    assert signatures.verify_message(chain, wallet, "sign in", sig).reason == "signature_contract_refused"
    assert not viem_agrees(anvil, wallet, "sign in", sig)


def test_an_erc6492_signature_of_an_undeployed_wallet_then_the_same_wallet_deployed(chain, local, factory, anvil):
    owner = Account.create()
    wallet, wrapped = counterfactual(local, factory, owner, "sign in")
    assert signatures.unwrap_6492(bytes.fromhex(wrapped[2:]))[0] == factory.address
    assert signatures.verify_message(chain, wallet, "sign in", wrapped) == signatures.Verdict(True, "erc6492")
    assert signatures.verify_message(chain, wallet, "sign out", wrapped).reason == "signature_contract_refused"
    assert viem_agrees(anvil, wallet, "sign in", wrapped)
    assert local.web3.eth.get_code(wallet) == b""  # checked by eth_call only: nothing was deployed

    local.send(factory.functions.deploy(owner.address, bytes.fromhex(SALT[2:])), local.admin)
    assert local.web3.eth.get_code(wallet) != b""
    (plain,) = viem({"op": "signMessage", "key": key_of(owner), "message": "sign in"})
    assert signatures.verify_message(chain, wallet, "sign in", wrapped).kind == "erc6492"  # still valid after
    assert signatures.verify_message(chain, wallet, "sign in", plain) == signatures.Verdict(True, "erc1271")


def test_an_erc6492_signature_by_a_stranger_is_refused(chain, local, factory, anvil):
    owner, stranger = Account.create(), Account.create()
    wallet = factory.functions.addressOf(owner.address, bytes.fromhex(SALT[2:])).call()
    inner, data = viem({"op": "signMessage", "key": key_of(stranger), "message": "sign in"},
                       {"op": "factoryData", "owner": owner.address, "salt": SALT})
    (wrapped,) = viem({"op": "wrap6492", "factory": factory.address, "data": data, "signature": inner})
    assert signatures.verify_message(chain, wallet, "sign in", wrapped).reason == "signature_contract_refused"
    assert not viem_agrees(anvil, wallet, "sign in", wrapped)


def test_an_erc6492_wrapper_whose_factory_call_fails_is_refused(chain, local, factory, anvil):
    owner = Account.create()
    wallet = factory.functions.addressOf(owner.address, bytes.fromhex(SALT[2:])).call()
    (inner,) = viem({"op": "signMessage", "key": key_of(owner), "message": "sign in"})
    # A selector the factory does not have: its call reverts, so the account can never exist this way.
    (wrapped,) = viem({"op": "wrap6492", "factory": factory.address, "data": "0xdeadbeef", "signature": inner})
    assert signatures.verify_message(chain, wallet, "sign in", wrapped).reason == "signature_deploy_failed"
    assert not viem_agrees(anvil, wallet, "sign in", wrapped)


def test_an_eip7702_delegated_eoa(chain, local, anvil):
    eoa, wallet_owner, stranger = local.new_holder(), Account.create(), Account.create()
    delegate = deploy_wallet(local, wallet_owner.address)  # its code answers ERC-1271 for `wallet_owner`
    (status,) = viem({"op": "delegate7702", "rpc": anvil.url, "key": key_of(eoa),
                      "sponsorKey": key_of(local.keys[1]), "delegate": delegate})
    assert status == "success"
    assert bytes(local.web3.eth.get_code(eoa.address)) == bytes.fromhex("ef0100") + bytes.fromhex(delegate[2:])
    own, through_delegate, bad = viem({"op": "signMessage", "key": key_of(eoa), "message": "m"},
                                      {"op": "signMessage", "key": key_of(wallet_owner), "message": "m"},
                                      {"op": "signMessage", "key": key_of(stranger), "message": "m"})
    assert signatures.verify_message(chain, eoa.address, "m", own) == signatures.Verdict(True, "eoa")
    assert signatures.verify_message(chain, eoa.address, "m", through_delegate) == signatures.Verdict(True, "eip7702")
    assert signatures.verify_message(chain, eoa.address, "m", bad).reason == "signature_contract_refused"
    assert viem_agrees(anvil, eoa.address, "m", own) and viem_agrees(anvil, eoa.address, "m", through_delegate)
    assert not viem_agrees(anvil, eoa.address, "m", bad)


def test_siwe_sign_in_of_an_undeployed_smart_account(client, local, factory):
    owner = Account.create()
    wallet = factory.functions.addressOf(owner.address, bytes.fromhex(SALT[2:])).call()
    text = siwe_text(wallet, new_nonce(client))
    inner, data = viem({"op": "signMessage", "key": key_of(owner), "message": text},
                       {"op": "factoryData", "owner": owner.address, "salt": SALT})
    (wrapped,) = viem({"op": "wrap6492", "factory": factory.address, "data": data, "signature": inner})
    response = client.post("/auth/siwe", json={"message": text, "signature": wrapped})
    assert response.status_code == 200, response.text
    assert response.json()["address"] == wallet and response.json()["contract_wallet"] is True
    assert client.get("/me").json()["address"] == wallet
    assert local.web3.eth.get_code(wallet) == b""


def test_siwe_sign_in_refuses_a_6492_signature_whose_factory_fails_and_says_why(client, local, factory):
    owner = Account.create()
    wallet = factory.functions.addressOf(owner.address, bytes.fromhex(SALT[2:])).call()
    text = siwe_text(wallet, new_nonce(client))
    (inner,) = viem({"op": "signMessage", "key": key_of(owner), "message": text})
    (wrapped,) = viem({"op": "wrap6492", "factory": factory.address, "data": "0xdeadbeef", "signature": inner})
    body = assert_error(client.post("/auth/siwe", json={"message": text, "signature": wrapped}), 401,
                        "siwe_bad_signature")
    assert "not-yet-deployed account fails" in body["detail"]  # the verifier's reason, signature_deploy_failed
    assert "未デプロイのアカウント" in body["message_ja"]
