"""Settings: defaults, environment, and refusal of placeholder secrets in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.settings import Settings

STRONG = {"session_secret": "s" * 40, "pass_secret": "p" * 40, "sealing_key": "k" * 40}


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


def test_dotenv_file_is_read(tmp_path):
    env = tmp_path / ".env"
    env.write_text("RESIDENT_CHAIN_ID=81\nRESIDENT_POLL_INTERVAL=2\n", encoding="utf-8")
    settings = Settings(_env_file=env, data_dir=tmp_path)
    assert (settings.chain_id, settings.poll_interval) == (81, 2.0)


def test_production_refuses_placeholder_secrets(tmp_path):
    with pytest.raises(ValidationError) as exc:
        Settings(_env_file=None, data_dir=tmp_path, environment="production")
    message = str(exc.value)
    assert "RESIDENT_SESSION_SECRET" in message and "RESIDENT_PASS_SECRET" in message


def test_production_refuses_short_secrets(tmp_path):
    with pytest.raises(ValidationError, match="RESIDENT_PASS_SECRET"):
        Settings(_env_file=None, data_dir=tmp_path, environment="production", **{**STRONG, "pass_secret": "short"})


def test_production_accepts_real_secrets(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, environment="production", **STRONG)
    assert settings.environment == "production"
    assert "s" * 40 not in repr(settings)  # secrets stay out of logs


def test_bad_values_are_named(tmp_path):
    with pytest.raises(ValidationError, match="poll_interval"):
        Settings(_env_file=None, data_dir=tmp_path, poll_interval=0)
