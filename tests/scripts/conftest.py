import shutil

import pytest
from brownie import web3

from backend.db import migrate


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """An empty database at the current schema, migrated once: scripts/campaign.py records each campaign in
    the backend's database, and migrating a fresh one per test would cost half a second each."""
    path = tmp_path_factory.mktemp("database") / "resident.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(autouse=True)
def settings_chain(monkeypatch):
    """The scripts work on Settings.rpc_url's chain only: here, the test chain Brownie is connected to."""
    monkeypatch.setenv("RESIDENT_RPC_URL", web3.provider.endpoint_uri)


@pytest.fixture
def data_dir(tmp_path, monkeypatch, migrated_database):
    """A private data directory (with its own copy of the migrated database), so records never touch the
    developer's own."""
    monkeypatch.setenv("RESIDENT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RESIDENT_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    shutil.copy(migrated_database, tmp_path / "resident.db")
    return tmp_path
