"""Migration 0010: a prefecture link a city set alone (residency_programmes.prefecture_id) is carried over as a
request waiting for the prefecture, not as a link in force; going down keeps only approved links."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from backend.db import alembic_config, make_engine


def test_links_set_without_consent_become_pending_requests(db_url):
    config = alembic_config(db_url)
    command.upgrade(config, "0008_person_nullifiers")
    engine = make_engine(db_url)
    programme = ("INSERT INTO residency_programmes (municipality_id, kind, prefecture_id, premium_mode, "
                 "required_checkins, window_days, basic_tier, premium_tier, validity_days, renew_before_days, "
                 "updated_at) VALUES (:m, :k, :p, 'automatic', 3, 365, 0, 1, 365, 30, 1700000000)")
    try:
        with engine.begin() as db:
            for i, (slug, ja, en) in enumerate([("yamaguchi", "山口県", "Yamaguchi"), ("mine", "美祢市", "Mine"),
                                                ("hagi", "萩市", "Hagi")], start=1):
                db.execute(text("INSERT INTO municipalities (id, slug, name_ja, name_en, created_at) "
                                "VALUES (:i, :s, :j, :e, 0)"), {"i": i, "s": slug, "j": ja, "e": en})
            db.execute(text(programme), {"m": 1, "k": "prefecture", "p": None})
            db.execute(text(programme), {"m": 2, "k": "city", "p": 1})
            db.execute(text(programme), {"m": 3, "k": "city", "p": None})
        command.upgrade(config, "0010_prefecture_links")
        with engine.connect() as db:
            rows = db.execute(text("SELECT city_id, prefecture_id, status, requested_by, requested_at "
                                   "FROM prefecture_links")).all()
        assert [tuple(r) for r in rows] == [(2, 1, "pending", None, 1700000000)]
        with engine.begin() as db:
            db.execute(text("INSERT INTO prefecture_links (city_id, prefecture_id, status, requested_at) "
                            "VALUES (3, 1, 'approved', 0)"))
        command.downgrade(config, "0008_person_nullifiers")
        with engine.connect() as db:
            back = db.execute(text("SELECT municipality_id, prefecture_id FROM residency_programmes "
                                   "ORDER BY municipality_id")).all()
        assert [tuple(r) for r in back] == [(1, None), (2, None), (3, 1)]
    finally:
        engine.dispose()
