"""Migrations: `alembic upgrade head` builds exactly the tables the models declare, and goes back down."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.db import alembic_config, make_engine
from backend.db.models import Base
from backend.db.models_chain import Card

CHAIN_TABLES = {"municipalities", "collections", "cards", "card_events", "chain_cursors", "indexed_blocks"}


def test_migrated_schema_matches_the_models(migrated_db_url):
    engine = make_engine(migrated_db_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert CHAIN_TABLES <= tables
    assert diff == []


def test_downgrade_removes_the_index_tables(migrated_db_url):
    command.downgrade(alembic_config(migrated_db_url), "base")
    engine = make_engine(migrated_db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert not (CHAIN_TABLES & tables)


def test_card_token_is_unique_per_collection(db_sessions):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from backend.db.models_chain import Collection, Municipality

    with db_sessions() as session:
        town = Municipality(slug="t", name_ja="町", name_en="Town")
        session.add(town)
        session.flush()
        collection = Collection(municipality_id=town.id, chain_id=1, address="0x" + "1" * 40, symbol="T",
                                name_ja="町", name_en="Town", soulbound=True, deploy_block=1, indexed_block=0)
        session.add(collection)
        session.flush()
        card = dict(collection_id=collection.id, token_id=1, owner="0x" + "2" * 40, holding_since=0, updated_block=1)
        session.add(Card(**card))
        session.flush()
        session.add(Card(**card))
        with pytest.raises(IntegrityError):
            session.flush()


def test_concurrent_starts_migrate_once(db_url):
    """Several app processes (uvicorn workers) starting on a fresh database at the same moment."""
    import subprocess
    import sys

    code = "import sys; from backend.db import migrate; migrate(sys.argv[1])"
    starts = [subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE, text=True)
              for _ in range(3)]
    results = [(start.wait(timeout=120), start.stderr.read()) for start in starts]
    assert [code for code, _ in results] == [0, 0, 0], results
    engine = make_engine(db_url)
    try:
        assert CHAIN_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
