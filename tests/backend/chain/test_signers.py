"""Signers (backend/chain/signers.py): a real V3 keystore file, and a real signer process over HTTP JSON-RPC
(tests/backend/chain/signer_server.py, Web3Signer's and Clef's methods) whose transactions a real anvil
accepts and whose typed-data signatures recover to its address. No key or passphrase in any repr or log."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from backend.chain.client import Chain
from backend.chain.deployments import contract_for
from backend.chain.issuer import Issuer, make_issuer
from backend.chain.signers import KeystoreSigner, LocalSigner, RemoteSigner, SignerError, signer_from_spec
from backend.settings import Settings
from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID

PASSPHRASE = "correct horse battery staple 7c1f"
REPO = Path(__file__).resolve().parents[3]


def _typed(verifying_contract: str) -> dict:
    return {
        "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                                   {"name": "verifyingContract", "type": "address"}],
                  "Note": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"},
                           {"name": "tag", "type": "bytes32"}]},
        "primaryType": "Note",
        "domain": {"name": "Resident", "chainId": CHAIN_ID, "verifyingContract": verifying_contract},
        "message": {"to": verifying_contract, "amount": 7, "tag": b"\x01" * 32},
    }


@pytest.fixture
def keystore(tmp_path):
    """A V3 keystore file of a fresh key (scrypt at a low n: the format is the real one, the cost is not)."""
    account = Account.create()
    path = tmp_path / "issuer.json"
    path.write_text(json.dumps(Account.encrypt(account.key, PASSPHRASE, kdf="scrypt", iterations=2**10)))
    passphrase = tmp_path / "passphrase"
    passphrase.write_text(PASSPHRASE + "\n")
    return account, path, passphrase


@pytest.fixture
def signer_process(keystore, tmp_path):
    account, path, passphrase = keystore
    port_file = tmp_path / "port"
    process = subprocess.Popen([sys.executable, "-m", "tests.backend.chain.signer_server", str(path),
                                str(passphrase), str(port_file)], cwd=REPO, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not port_file.exists() or not port_file.read_text():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the signer process did not start"
        time.sleep(0.05)
    yield account, f"http://127.0.0.1:{port_file.read_text()}"
    process.terminate()
    process.wait(10)


@pytest.fixture
def card(chain_with_collection, anvil):
    return contract_for(Chain(anvil.url), chain_with_collection.collection.record)


def _granted_issuer(card, anvil, address: str) -> None:
    """ISSUER_ROLE and some gas for `address`, from the deployer (the test card's admin)."""
    admin = Issuer(Chain(anvil.url), ANVIL_KEYS[0], CHAIN_ID)
    admin.send(card.functions.grantRole(card.functions.ISSUER_ROLE().call(), address))
    Chain(anvil.url).request("anvil_setBalance", [address, hex(10**18)])


def test_a_keystore_file_opens_with_its_passphrase_file(keystore, tmp_path):
    account, path, passphrase = keystore
    signer = KeystoreSigner(path, passphrase)
    assert signer.address == account.address
    typed = _typed(Account.create().address)
    signature = signer.sign_typed_data(typed)
    assert Account.recover_message(encode_typed_data(full_message=typed), signature=signature) == account.address
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase")
    with pytest.raises(SignerError, match="does not open") as refused:
        KeystoreSigner(path, wrong)
    assert "not the passphrase" not in str(refused.value)
    with pytest.raises(SignerError, match="cannot read the passphrase file"):
        KeystoreSigner(path, tmp_path / "missing")


def test_the_issuer_sends_through_a_keystore_and_anvil_accepts(keystore, card, anvil):
    account, path, passphrase = keystore
    _granted_issuer(card, anvil, account.address)
    settings = Settings(_env_file=None, rpc_url=anvil.url, chain_id=CHAIN_ID,
                        issuer_signer=f"keystore:{path}?passphrase_file={passphrase}")
    issuer = make_issuer(settings)
    assert issuer.address == account.address and isinstance(issuer.signer, KeystoreSigner)
    holder = Account.create().address
    sent = issuer.send(card.functions.issue(holder, 1, 0))
    assert card.functions.balanceOf(holder).call() == 1
    assert card.w3.eth.get_transaction(sent.tx_hash)["from"] == account.address


@pytest.mark.parametrize("protocol", ["web3signer", "clef"])
def test_the_issuer_signs_through_a_signer_process_and_anvil_accepts(signer_process, card, anvil, protocol):
    account, url = signer_process
    _granted_issuer(card, anvil, account.address)
    signer = signer_from_spec(f"remote:{url}?address={account.address}&protocol={protocol}")
    assert isinstance(signer, RemoteSigner) and signer.protocol == protocol
    issuer = Issuer(Chain(anvil.url), None, CHAIN_ID, signer=signer)
    holder = Account.create().address
    sent = issuer.send(card.functions.issue(holder, 1, 0))  # EIP-1559 (web3 fills the fees)
    assert card.functions.balanceOf(holder).call() == 1
    onchain = card.w3.eth.get_transaction(sent.tx_hash)
    assert onchain["from"] == account.address and onchain["type"] == 2
    # The seam the transaction manager uses: sign now, send later, same hash.
    tx = {"to": holder, "value": 1, "gas": 21_000, "gasPrice": 10**10, "chainId": CHAIN_ID,
          "nonce": issuer.chain.nonce(account.address, "pending")}
    raw, tx_hash = issuer.sign_transaction(tx)
    assert issuer.chain.send_raw(raw) == tx_hash
    assert issuer.chain.wait_for_receipt(tx_hash, 30, poll=0.1).status == 1
    typed = _typed(card.address)
    signature = signer.sign_typed_data(typed)
    assert Account.recover_message(encode_typed_data(full_message=typed), signature=signature) == account.address


def test_a_signer_process_refuses_another_address_and_the_backend_says_so(signer_process, anvil):
    _, url = signer_process
    other = Account.create().address
    signer = RemoteSigner(url, other)
    with pytest.raises(SignerError, match="refused eth_signTransaction"):
        signer.sign_transaction({"to": other, "value": 0, "gas": 21_000, "gasPrice": 1, "nonce": 0,
                                 "chainId": CHAIN_ID})
    with pytest.raises(SignerError, match="refused eth_signTypedData"):
        signer.sign_typed_data(_typed(other))


def test_an_unreachable_signer_is_named_without_its_credentials():
    signer = signer_from_spec(f"remote:http://user:s3cr3t-token@127.0.0.1:1?address={Account.create().address}")
    with pytest.raises(SignerError) as refused:
        signer.sign_typed_data(_typed(Account.create().address))
    assert "s3cr3t-token" not in str(refused.value) and "s3cr3t-token" not in repr(signer)


def test_no_key_or_passphrase_in_repr_str_or_logs(keystore, signer_process, caplog):
    account, path, passphrase = keystore
    key_hex = account.key.hex().removeprefix("0x")
    caplog.set_level(logging.DEBUG)
    signers = [LocalSigner(account.key), KeystoreSigner(path, passphrase),
               RemoteSigner(signer_process[1], account.address)]
    for signer in signers:
        signer.sign_typed_data(_typed(account.address))
        shown = repr(signer) + str(signer) + repr(vars(signer)) + caplog.text
        assert key_hex not in shown.lower() and PASSPHRASE not in shown
        assert account.address in repr(signer)
    issuer = Issuer(Chain("http://127.0.0.1:1"), None, CHAIN_ID, signer=signers[1])
    assert key_hex not in (repr(vars(issuer)) + str(issuer)).lower()
    settings = Settings(_env_file=None, issuer_signer=f"keystore:{path}?passphrase_file={passphrase}",
                        relayer_signer="local:" + account.key.hex())
    assert key_hex not in repr(settings).lower()


def test_a_bad_spec_is_refused_with_the_forms_it_takes():
    for spec in ("vault:abc", "keystore:/x.json", "remote:ftp://x?address=0x", "remote:http://x", "local:xyz"):
        with pytest.raises(SignerError, match="signer spec"):
            signer_from_spec(spec)
