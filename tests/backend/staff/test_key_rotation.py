"""Key rotation (backend/staff/key_rotation.py) end to end on anvil: the old issuer key (a keystore) issues,
the new one is granted ISSUER_ROLE, the backend moves to it and issues, the old one's role is revoked and
its next issue reverts. The command line does the same, and a second run changes nothing."""

from __future__ import annotations

import json

import pytest
from eth_account import Account

from backend.chain.client import Chain
from backend.chain.deployments import contract_for
from backend.chain.issuer import Issuer, TxReverted
from backend.chain.signers import KeystoreSigner
from backend.staff import key_rotation
from backend.staff.key_rotation import RotationError, rotate
from tests.backend.localchain import ANVIL_KEYS, CHAIN_ID


def _keystore_issuer(tmp_path, name: str, anvil) -> Issuer:
    account = Account.create()
    (tmp_path / f"{name}.json").write_text(json.dumps(Account.encrypt(account.key, "pass-" + name,
                                                                      kdf="scrypt", iterations=2**10)))
    (tmp_path / f"{name}.pass").write_text("pass-" + name)
    chain = Chain(anvil.url)
    chain.request("anvil_setBalance", [account.address, hex(10**18)])
    return Issuer(chain, None, CHAIN_ID,
                  signer=KeystoreSigner(tmp_path / f"{name}.json", tmp_path / f"{name}.pass"))


@pytest.fixture
def card(chain_with_collection, anvil):
    return contract_for(Chain(anvil.url), chain_with_collection.collection.record)


def test_rotate_the_issuer_key_grants_moves_and_revokes(tmp_path, card, anvil):
    admin = Issuer(Chain(anvil.url), ANVIL_KEYS[0], CHAIN_ID)
    role = card.functions.ISSUER_ROLE().call()
    old, new = _keystore_issuer(tmp_path, "old", anvil), _keystore_issuer(tmp_path, "new", anvil)
    admin.send(card.functions.grantRole(role, old.address))
    old.send(card.functions.issue(Account.create().address, 1, 0))  # the old key at work

    issued_by_new = []

    def moved():  # the backend restarted on the new key: it issues before the old key is revoked
        assert card.functions.hasRole(role, new.address).call() and card.functions.hasRole(role, old.address).call()
        issued_by_new.append(new.send(card.functions.issue(Account.create().address, 1, 0)).tx_hash)

    done = rotate(admin, card.address, "ISSUER_ROLE", old.address, new.address, moved=moved)
    assert done.granted and done.revoked and issued_by_new
    assert card.functions.hasRole(role, new.address).call() and not card.functions.hasRole(role, old.address).call()
    with pytest.raises(TxReverted) as refused:
        old.send(card.functions.issue(Account.create().address, 1, 0))
    assert refused.value.error == "AccessControlUnauthorizedAccount"
    again = rotate(admin, card.address, "ISSUER_ROLE", old.address, new.address)  # idempotent after a crash
    assert again.granted is None and again.revoked is None
    with pytest.raises(RotationError, match="the new key is the old one"):
        rotate(admin, card.address, "ISSUER_ROLE", new.address, new.address)


def test_the_command_line_rotates_with_an_admin_keystore(tmp_path, card, anvil, monkeypatch, capsys):
    role = card.functions.ISSUER_ROLE().call()
    old, new = Account.create().address, Account.create().address
    Issuer(Chain(anvil.url), ANVIL_KEYS[0], CHAIN_ID).send(card.functions.grantRole(role, old))
    admin_store = tmp_path / "admin.json"
    admin_store.write_text(json.dumps(Account.encrypt(ANVIL_KEYS[0], "admin-pass", kdf="scrypt", iterations=2**10)))
    (tmp_path / "admin.pass").write_text("admin-pass\n")
    monkeypatch.setenv("RESIDENT_RPC_URL", anvil.url)
    monkeypatch.setenv("RESIDENT_CHAIN_ID", str(CHAIN_ID))
    monkeypatch.setenv("RESIDENT_DATA_DIR", str(tmp_path))
    code = key_rotation.main(["--contract", card.address, "--role", "ISSUER_ROLE", "--old", old, "--new", new,
                              "--admin-signer", f"keystore:{admin_store}?passphrase_file={tmp_path / 'admin.pass'}",
                              "--yes"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "revoked: 0x" in out.out and "admin-pass" not in out.out + out.err
    assert card.functions.hasRole(role, new).call() and not card.functions.hasRole(role, old).call()
