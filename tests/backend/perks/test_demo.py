"""The demo seed `make run` uses: Mine City's perks, venues and accounts, idempotent."""

from sqlalchemy import func, select

from backend.db.models_access import Forum, StaffAccount
from backend.db.models_perks import Perk, PerkVenue, Venue, VenueAccount
from backend.demo import seed
from backend.settings import Settings
from backend.venues.accounts import authenticate
from tests.backend.production import production_settings


def test_seed_creates_the_demo_town_once(db_sessions, chain_with_collection, tmp_path):
    record = chain_with_collection.soulbound_collection.record_file
    settings = Settings(_env_file=None, environment="development", data_dir=tmp_path)
    first = seed(db_sessions, settings, record)
    second = seed(db_sessions, settings, record)
    assert first.perk_ids == second.perk_ids and first.venue_ids == second.venue_ids
    # The demo forum's own DiscourseConnect secret, printed by the seed that made it and never again.
    assert len(first.forum_secret) == 64 and second.forum_secret is None
    assert first.forum_secret in first.summary() and first.forum_secret not in second.summary()
    with db_sessions() as db:
        counts = [db.scalar(select(func.count()).select_from(t))
                  for t in (Perk, Venue, VenueAccount, StaffAccount, Forum)]
        assert counts == [3, 2, 2, 1, 1]
        forum = db.scalar(select(Forum))
        assert forum.url == "http://127.0.0.1:4200" and forum.collection_id == first.collection_id
        kinds = dict(db.execute(select(Perk.name_ja, Perk.kind)).all())
        assert kinds["秋芳洞 入場無料"] == "venue_entry" and kinds["デジタル住民フォーラム"] == "online_access"
        cave_perk = first.perk_ids["Akiyoshi-do Cave: free entry"]
        assert db.scalar(select(PerkVenue.venue_id).where(PerkVenue.perk_id == cave_perk)) \
            == first.venue_ids["Akiyoshi-do Cave"]
        logins = {login: password for who, login, password in first.credentials if who.startswith("venue")}
        assert authenticate(db, "cave-desk", logins["cave-desk"]) is not None
    assert "cave-desk" in first.summary() and "admin" in first.summary() and "/forum/sso" in first.summary()


def test_seed_refuses_production(db_sessions, chain_with_collection, tmp_path):
    import pytest

    settings = production_settings(tmp_path)
    with pytest.raises(RuntimeError):
        seed(db_sessions, settings, chain_with_collection.soulbound_collection.record_file)
