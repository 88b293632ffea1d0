"""Backend test fixtures: a real anvil chain with deployed collections, a real database
(SQLite file and PostgreSQL server, every test runs on both), and the app with its client.

    anvil                  session: an anvil node (Anvil: .url, .port)
    chain_with_collection  session: LocalChain on that node; .collection (tradable, cap 1000) and
                           .soulbound_collection (cap 1) are deployed, their records in .data_dir
    db_url                 function, parametrized sqlite | postgresql: an EMPTY fresh database
                           (postgresql needs RESIDENT_TEST_POSTGRES_URL; `make test` sets it); when the
                           test also uses migrated_db_url or client (whose start migrates it), a fresh copy
                           of the session's migrated template instead (tests/backend/db_templates.py)
    migrated_db_url        db_url after `alembic upgrade head`
    db_sessions            a sessionmaker on the migrated database
    settings               Settings for the app: that database, the anvil node, the data dir
    app / client           create_app(settings) / its TestClient (lifespan runs: migrations, indexer thread),
                           which sends Origin: http://testserver as our pages do
    sync_index             call it to make the index catch up with the chain now
"""

from __future__ import annotations

import os
import uuid

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.auth import secrets
from backend.db import make_engine, migrate, session_factory
from backend.settings import Settings
from tests.backend.db_templates import (PostgresDatabases, Templates, create_database, database_url,
                                        drop_database)
from tests.backend.localchain import Anvil, ChainRewind, LocalChain

POSTGRES_ENV = "RESIDENT_TEST_POSTGRES_URL"


# scrypt at the production cost (N=2**14) takes ~50 ms a hash and the suite hashes thousands of passwords:
# tests use N=2**10 (~16 times cheaper, same code path; the parameters are stored in each hash). Tests
# marked `production_hashing` (tests/backend/auth/test_secrets.py) keep, and check, the production cost.
TEST_SCRYPT_N = 2**10


def pytest_configure(config):
    config.addinivalue_line("markers", "production_hashing: scrypt at the production cost (no test cost)")


@pytest.fixture(autouse=True)
def _test_cost_scrypt(request, monkeypatch):
    if request.node.get_closest_marker("production_hashing") is None:
        monkeypatch.setattr(secrets, "SCRYPT_N", TEST_SCRYPT_N)
    secrets._dummy_hash.cache_clear()  # the dummy hash follows the cost of the test that uses it
    yield
    secrets._dummy_hash.cache_clear()


# How many fixtures broader than a test (session, module, class) have been set up so far.
_BROADER_SETUPS = [0]


def pytest_fixture_setup(fixturedef, request):
    if fixturedef.scope != "function":
        _BROADER_SETUPS[0] += 1


@pytest.fixture(autouse=True)
def _chain_rewound(request):
    """A test on the session's anvil node leaves the chain as it found it: the deployments and cards of
    one test are not in the next one's chain, nor in the history its fresh index catches up with (which
    grew with every test before). State that a session or module fixture built during the test stays."""
    if "anvil" not in request.fixturenames:
        yield
        return
    rewind = ChainRewind(request.getfixturevalue("anvil").url)
    broader = _BROADER_SETUPS[0]
    yield
    if _BROADER_SETUPS[0] == broader:
        rewind.rewind()


@pytest.fixture(scope="session")
def anvil():
    node = Anvil()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def chain_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("chain-data")


@pytest.fixture(scope="session")
def chain_with_collection(anvil, chain_data_dir):
    chain = LocalChain(anvil.url, chain_data_dir)
    chain.collection = chain.deploy("RESTEST", soulbound=False, max_cards_per_wallet=1000)
    chain.soulbound_collection = chain.deploy("RESSOUL", soulbound=True, max_cards_per_wallet=1,
                                              name_ja="美祢市", name_en="Mine City")
    return chain


@pytest.fixture(scope="session")
def postgres_server_url():
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.fail(f"{POSTGRES_ENV} is not set: run the backend tests through `make test`, which installs and "
                    f"starts PostgreSQL and sets it (or: export {POSTGRES_ENV}=$(tools/postgres.sh))")
    return url


def _create_postgres_database(server_url: str, template: str | None = None):
    name = "rt_" + uuid.uuid4().hex[:16]
    create_database(server_url, name, template)
    return database_url(server_url, name), lambda: drop_database(server_url, name)


@pytest.fixture(scope="session")
def db_templates(tmp_path_factory):
    templates = Templates(tmp_path_factory.mktemp("db-templates"))
    yield templates
    templates.close()


@pytest.fixture(scope="session")
def postgres_databases(postgres_server_url, db_templates):  # closed before the templates are dropped
    databases = PostgresDatabases(postgres_server_url)
    yield databases
    databases.close()


# Fixtures that migrate db_url before the test can look at it: their tests start from the template.
MIGRATE_FIRST = {"migrated_db_url", "client"}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    migrated = not MIGRATE_FIRST.isdisjoint(request.fixturenames)
    templates = request.getfixturevalue("db_templates") if migrated else None
    if request.param == "sqlite":
        path = tmp_path / "resident.db"
        if migrated:
            templates.copy_sqlite(path)
        yield f"sqlite:///{path}"
        return
    databases = request.getfixturevalue("postgres_databases")
    name = databases.take(templates.postgres(databases.server_url) if migrated else None)
    yield database_url(databases.server_url, name)
    databases.drop(name)


@pytest.fixture
def migrated_db_url(db_url):
    migrate(db_url)  # already at head when db_url is a template's copy: a quick check
    return db_url


@pytest.fixture
def db_sessions(migrated_db_url):
    engine = make_engine(migrated_db_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def settings(db_url, chain_with_collection, anvil):
    return Settings(_env_file=None, environment="test", rpc_url=anvil.url, chain_id=31337,
                    data_dir=chain_with_collection.data_dir, database_url=db_url, poll_interval=0.05,
                    stale_after=5.0, jobs_enabled=False)  # tests run jobs by hand (JobRunner.tick)


@pytest.fixture
def app(settings):
    return create_app(settings)


# As a browser on our own pages sends it: backend/api/origin.py refuses a cookie without it on a state change.
SAME_ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def client(app):
    with TestClient(app, headers=SAME_ORIGIN) as test_client:
        yield test_client


@pytest.fixture
def sync_index(app, client):
    """Makes the index catch up with the chain (the background thread would, within a poll or two)."""
    return lambda timeout=30.0: app.state.services.indexer.catch_up(timeout)
