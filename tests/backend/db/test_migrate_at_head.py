"""`migrate()` on a database already at head (every app start but the first) answers from the version
table without alembic compiling each revision file again; a database behind head is still upgraded."""

from __future__ import annotations

from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend.db import alembic_config, make_engine, migrate


def current_heads(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def test_a_database_at_head_is_left_alone(migrated_db_url, monkeypatch):
    ran = []
    monkeypatch.setattr(command, "upgrade", lambda *args, **kwargs: ran.append(args))
    migrate(migrated_db_url)
    assert ran == []


def test_a_database_behind_head_is_upgraded_to_it(db_url):
    command.upgrade(alembic_config(db_url), "0007_jobs")
    assert current_heads(db_url) == {"0007_jobs"}
    migrate(db_url)
    heads = set(ScriptDirectory.from_config(alembic_config(db_url)).get_heads())
    assert current_heads(db_url) == heads and "0007_jobs" not in heads
