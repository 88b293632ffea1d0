"""Backend test fixtures: a real anvil chain with deployed collections, a real database
(SQLite file and PostgreSQL server, every test runs on both), and the app with its client.

    anvil                  session: an anvil node (Anvil: .url, .port)
    chain_with_collection  session: LocalChain on that node; .collection (tradable, cap 1000) and
                           .soulbound_collection (cap 1) are deployed, their records in .data_dir
    db_url                 function, parametrized sqlite | postgresql: an EMPTY fresh database
                           (postgresql needs RESIDENT_TEST_POSTGRES_URL; `make test` sets it)
    migrated_db_url        db_url after `alembic upgrade head`
    db_sessions            a sessionmaker on the migrated database
    settings               Settings for the app: that database, the anvil node, the data dir
    app / client           create_app(settings) / its TestClient (lifespan runs: migrations, indexer thread),
                           which sends Origin: http://testserver as our pages do
    sync_index             call it to make the index catch up with the chain now
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from backend.app import create_app
from backend.db import make_engine, migrate, session_factory
from backend.db.session import normalize_url
from backend.settings import Settings
from tests.backend.localchain import Anvil, LocalChain

POSTGRES_ENV = "RESIDENT_TEST_POSTGRES_URL"


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


def _create_postgres_database(server_url: str):
    import psycopg

    name = "rt_" + uuid.uuid4().hex[:16]
    conninfo = make_url(normalize_url(server_url)).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(normalize_url(server_url)).set(database=name).render_as_string(hide_password=False)

    def drop():
        # An autovacuum worker (a superuser process FORCE may not end) can still be in the fresh
        # database: wait for it rather than fail the test that used it.
        for attempt in range(20):
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
                if attempt == 19:
                    raise
                time.sleep(0.25)

    return url, drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'resident.db'}"
        return
    url, drop = _create_postgres_database(request.getfixturevalue("postgres_server_url"))
    yield url
    drop()


@pytest.fixture
def migrated_db_url(db_url):
    migrate(db_url)
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
