"""Settings: defaults, environment, and refusal of placeholder secrets in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from eth_account import Account

from backend.settings import PURPOSE_SECRETS, Settings
from tests.backend.production import STRONG_SECRETS, production_settings

ANVIL_MNEMONIC = "test test test test test test test test test test test junk"


def test_default_database_is_sqlite_in_the_data_dir(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'resident.db'}"
    assert settings.deployments_dir == tmp_path.resolve() / "deployments" / "31337"


def test_deployment_records_can_live_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setenv("RESIDENT_DEPLOYMENTS_PATH", str(tmp_path / "records"))
    assert Settings(_env_file=None, data_dir=tmp_path / "data").deployments_dir == (tmp_path / "records").resolve()


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("RESIDENT_RPC_URL", "http://node:8545")
    monkeypatch.setenv("RESIDENT_CONFIRMATIONS", "12")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/resident")
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert (settings.rpc_url, settings.confirmations, settings.database_url) == (
        "http://node:8545", 12, "postgresql://u:p@db/resident")


def test_where_things_are_follows_the_ports_unless_set(monkeypatch, tmp_path):
    # One setting each: the chain's URL and the public URL follow `make run`'s ports (before, they stayed on
    # 8545 and 8000 whatever RESIDENT_RPC_PORT and RESIDENT_API_PORT said).
    for name in ("RESIDENT_RPC_URL", "RESIDENT_PUBLIC_URL", "RESIDENT_SIWE_DOMAIN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESIDENT_RPC_PORT", "8555")
    monkeypatch.setenv("RESIDENT_API_PORT", "8010")
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert (settings.rpc_url, settings.public_url, settings.siwe_domain) == (
        "http://127.0.0.1:8555", "http://127.0.0.1:8010", "127.0.0.1:8010")
    given = Settings(_env_file=None, data_dir=tmp_path, rpc_url="https://rpc.example/v2/key",
                     public_url="https://resident.example.jp/")
    assert (given.rpc_url, given.public_url, given.siwe_domain) == (
        "https://rpc.example/v2/key", "https://resident.example.jp", "resident.example.jp")


def test_dotenv_file_is_read(tmp_path):
    env = tmp_path / ".env"
    env.write_text("RESIDENT_CHAIN_ID=81\nRESIDENT_POLL_INTERVAL=2\n", encoding="utf-8")
    settings = Settings(_env_file=env, data_dir=tmp_path)
    assert (settings.chain_id, settings.poll_interval) == (81, 2.0)


def test_production_refuses_placeholder_secrets(tmp_path):
    with pytest.raises(ValidationError) as exc:
        production_settings(tmp_path, session_secret=None, pass_secret=None)
    message = str(exc.value)
    assert "RESIDENT_SESSION_SECRET" in message and "RESIDENT_PASS_SECRET" in message


def test_production_refuses_short_secrets(tmp_path):
    with pytest.raises(ValidationError, match="RESIDENT_PASS_SECRET"):
        production_settings(tmp_path, pass_secret="short")


def test_production_accepts_real_secrets(tmp_path):
    settings = production_settings(tmp_path, rpc_url="https://eth.example/v2/provider-api-key-0123456789",
                                   database_url="postgresql://resident:db-password-0123456789@db/resident")
    assert settings.environment == "production"
    shown = repr(settings)  # secrets stay out of logs
    assert not [value for value in STRONG_SECRETS.values() if value in shown]
    assert "provider-api-key" not in shown and "db-password" not in shown


def _dev_keys(count=20):
    Account.enable_unaudited_hdwallet_features()
    return [Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}").key.hex() for i in range(count)]


@pytest.mark.parametrize("setting", ["issuer_key", "deployer_key", *PURPOSE_SECRETS])
def test_production_refuses_every_key_of_the_development_mnemonic_in_any_spelling(tmp_path, setting):
    for index, key in enumerate(_dev_keys()):
        bare = key.removeprefix("0x")
        for spelling in ("0x" + bare, bare, "0x" + bare.upper(), bare.upper(), f" {bare} "):
            with pytest.raises(ValidationError, match=f"RESIDENT_{setting.upper()}"):
                production_settings(tmp_path, **{setting: spelling})
    own = Account.create().key.hex()
    if setting == "issuer_key":  # even the municipality's own raw key: production signs with a keystore or a signer
        with pytest.raises(ValidationError, match="no private key in the environment"):
            production_settings(tmp_path, **{setting: own})
    else:
        assert production_settings(tmp_path, **{setting: own}).environment == "production"


def test_production_refuses_a_raw_key_in_any_signer_setting_and_takes_a_keystore_or_a_remote_signer(tmp_path):
    own = Account.create().key.hex()
    for name in ("issuer_signer", "relayer_signer", "voucher_signer"):
        with pytest.raises(ValidationError, match=f"RESIDENT_{name.upper()}") as refused:
            production_settings(tmp_path, **{name: "local:" + own})
        assert own.removeprefix("0x") not in str(refused.value)
    settings = production_settings(tmp_path, issuer_signer="keystore:/run/secrets/issuer.json?passphrase_file=/run/secrets/pass",
                                   voucher_signer=f"remote:https://signer:9000?address={Account.create().address}")
    assert settings.issuer_signer is not None and settings.issuer_key is None
    with pytest.raises(ValidationError, match="signer spec starts with"):
        Settings(_env_file=None, data_dir=tmp_path, relayer_signer="vault:thing")


def test_development_still_runs_on_the_development_keys(tmp_path):
    keys = _dev_keys(2)
    settings = Settings(_env_file=None, data_dir=tmp_path, issuer_key=keys[0], deployer_key=keys[1])
    assert settings.issuer_key.get_secret_value() == keys[0]


@pytest.mark.parametrize("first, second", [(a, b) for i, a in enumerate(PURPOSE_SECRETS) for b in
                                           [*PURPOSE_SECRETS[i + 1:], "issuer_key", "deployer_key"]])
def test_production_refuses_one_secret_for_two_purposes(tmp_path, first, second):
    shared = "ab" * 32  # a valid private key, so it may stand for the issuer's too
    with pytest.raises(ValidationError, match=f"RESIDENT_{first.upper()} and RESIDENT_{second.upper()}"):
        production_settings(tmp_path, **{first: shared, second: "0x" + shared.upper()})


def test_the_issuer_and_the_deployer_may_be_one_key(tmp_path):
    key = Account.create().key.hex()  # outside production (production takes no raw issuer key at all)
    settings = Settings(_env_file=None, data_dir=tmp_path, issuer_key=key, deployer_key=key)
    assert settings.deployer_key.get_secret_value() == key


def test_production_requires_the_identity_secret(tmp_path):
    with pytest.raises(ValidationError, match="RESIDENT_IDENTITY_SECRET"):
        production_settings(tmp_path, identity_secret=None)
    assert Settings(_env_file=None, data_dir=tmp_path).identity_key  # development: the fixed development key


def test_a_refused_setting_never_repeats_the_value_given(tmp_path):
    key = Account.create().key.hex()
    with pytest.raises(ValidationError) as refused:  # a key pasted into the wrong variable
        Settings(_env_file=None, data_dir=tmp_path, chain_id=key)
    said = str(refused.value)
    assert "chain_id" in said and key not in said and key[2:12] not in said


def test_bad_values_are_named(tmp_path):
    with pytest.raises(ValidationError, match="poll_interval"):
        Settings(_env_file=None, data_dir=tmp_path, poll_interval=0)
