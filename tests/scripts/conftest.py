import pytest


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private data directory, so records never touch the developer's own."""
    monkeypatch.setenv("RESIDENT_DATA_DIR", str(tmp_path))
    return tmp_path
