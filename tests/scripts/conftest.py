import pytest
from brownie import web3


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


@pytest.fixture(autouse=True)
def settings_chain(monkeypatch):
    """The scripts work on Settings.rpc_url's chain only: here, the test chain Brownie is connected to."""
    monkeypatch.setenv("RESIDENT_RPC_URL", web3.provider.endpoint_uri)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private data directory, so records never touch the developer's own."""
    monkeypatch.setenv("RESIDENT_DATA_DIR", str(tmp_path))
    return tmp_path
