"""Each test starts from a clean database, though migrated ones are copies of one template
(tests/backend/db_templates.py): what a test writes, the next does not see, and the template stays as
the migrations left it. The tests run in this order (pytest keeps a file's order)."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from backend.db import make_engine
from backend.db.models_chain import Municipality
from tests.backend.db.test_migrations import CHAIN_TABLES
from tests.backend.perks_setup import staff_headers

MARK = "isolation-probe"


def municipalities(db_sessions) -> list[str]:
    with db_sessions() as session:
        return list(session.scalars(select(Municipality.slug)))


def test_a_test_writes_to_its_copy(db_sessions):
    with db_sessions() as session:
        session.add(Municipality(slug=MARK, name_ja="町", name_en="Town"))
        session.commit()
    assert MARK in municipalities(db_sessions)


def test_and_the_next_test_does_not_see_it(db_sessions):
    assert MARK not in municipalities(db_sessions)
    with db_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Municipality)) == 0


def test_a_test_writes_through_the_app(client, app):
    admin = staff_headers(client, app)
    made = client.post("/staff/municipalities", headers=admin, json={"name_ja": "試験町", "name_en": MARK})
    assert made.status_code == 201, made.text
    assert MARK in [m["name_en"] for m in client.get("/staff/municipalities", headers=admin).json()]


def test_and_the_next_app_does_not_see_it(client, app):
    admin = staff_headers(client, app)  # the same superuser again: the last test's account is gone too
    listed = client.get("/staff/municipalities", headers=admin)
    assert listed.status_code == 200, listed.text
    assert MARK not in [m["name_en"] for m in listed.json()]


def test_a_database_asked_for_as_db_url_alone_is_empty(db_url):
    engine = make_engine(db_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_a_migrated_copy_has_every_table(migrated_db_url):
    engine = make_engine(migrated_db_url)
    try:
        assert CHAIN_TABLES | {"alembic_version"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
