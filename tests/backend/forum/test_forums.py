"""A municipality's forums through the staff API: a forum belongs to one municipality (another cannot
overwrite, list or rotate it, whatever the spelling of its URL), its own DiscourseConnect secret is shown once
and kept sealed, and group prefixes must give names Discourse accepts."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from backend.auth import staff
from backend.auth.sealed import unseal
from backend.db.models_access import Forum
from backend.db.models_chain import Collection, Municipality
from backend.db.session import begin_immediate
from tests.backend.access_setup import assert_error

PASSWORD = "a long password"
FORUM = "https://forum.mine.example"


@dataclass
class Town:
    id: int
    collection_id: int
    admin: dict
    viewer: dict


def login(client, name: str) -> dict:
    response = client.post("/staff/login", json={"login": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # each request says who it is by its bearer token only
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def towns(app, client, chain_with_collection, sync_index):
    """美祢市-like (the test collection's municipality) and 山口県-like (another, with its own collection), each
    with an admin and a viewer."""
    made = []
    sync_index()
    with app.state.services.session_factory() as db:
        begin_immediate(db)
        mine = db.scalar(select(Collection).where(Collection.address == chain_with_collection.collection.address))
        other = Municipality(slug="yamaguchi", name_ja="山口県", name_en="Yamaguchi")
        db.add(other)
        db.flush()
        theirs = Collection(municipality_id=other.id, chain_id=31337, address="0x" + "cd" * 20, symbol="YAMAGUCHI",
                            name_ja="山口県", name_en="Yamaguchi", soulbound=True, deploy_block=1, indexed_block=0)
        db.add(theirs)
        db.flush()
        for slug, municipality_id, collection_id in (("mine", mine.municipality_id, mine.id),
                                                     ("pref", other.id, theirs.id)):
            staff.create_admin(db, f"{slug}-admin", PASSWORD, municipality_id=municipality_id)
            viewer = staff.create_staff(db, f"{slug}-viewer", PASSWORD)
            staff.grant_role(db, viewer.id, municipality_id, "viewer")
            made.append((slug, municipality_id, collection_id))
        db.commit()
    return [Town(mid, cid, login(client, f"{slug}-admin"), login(client, f"{slug}-viewer")) for slug, mid, cid in made]


def register(client, town: Town, url=FORUM, as_=None, **fields):
    return client.post(f"/staff/municipalities/{town.id}/forums", headers=as_ or town.admin,
                       json={"collection_id": town.collection_id, "url": url, **fields})


def stored(app, forum_id: int) -> Forum:
    with app.state.services.session_factory() as db:
        forum = db.get(Forum, forum_id)
        db.expunge(forum)
        return forum


def test_a_new_forum_gets_its_own_secret_once_sealed_at_rest(client, app, settings, towns):
    mine, _ = towns
    first = register(client, mine, name="Mine forum", group_prefix="mine").json()
    assert len(first["secret"]) == 64 and first["has_secret"] and first["secret_set_at"]
    assert first["groups"] == ["mine_holders", "mine_tier_0", "mine_tier_1"]
    other = register(client, mine, url="https://talk.mine.example", group_prefix="talk").json()
    assert other["secret"] != first["secret"]  # one secret per forum
    row = stored(app, first["id"])
    assert first["secret"] not in row.sso_secret  # sealed, not stored as it is
    assert unseal(settings.sealing_key, "forum-sso", row.sso_secret, bound_to=f"forum:{row.id}") == first["secret"]
    listed = client.get(f"/staff/municipalities/{mine.id}/forums", headers=mine.viewer)
    assert listed.status_code == 200
    assert [f["url"] for f in listed.json()] == [FORUM, "https://talk.mine.example"]
    assert all("secret" not in f for f in listed.json())  # shown once: never listed


@pytest.mark.parametrize("spelling", [FORUM, "HTTPS://Forum.Mine.Example/", "https://forum.mine.example./latest",
                                      "https://forum.mine.example:443"])
def test_another_municipality_cannot_overwrite_a_forum_however_it_spells_the_url(client, app, towns, spelling):
    # The probe: 山口県's admin re-registered 美祢市's forum with its own collection and prefix "admins".
    mine, prefecture = towns
    original = register(client, mine, group_prefix="mine", max_tier=2).json()
    body = assert_error(register(client, prefecture, url=spelling, group_prefix="admins"), 409,
                        "forum_of_another_municipality")
    assert "別の自治体" in body["message_ja"]
    row = stored(app, original["id"])
    assert (row.collection_id, row.group_prefix, row.max_tier) == (mine.collection_id, "mine", 2)
    assert client.get(f"/staff/municipalities/{prefecture.id}/forums", headers=prefecture.admin).json() == []


def test_the_same_municipality_updates_its_forum_and_keeps_its_secret(client, app, towns):
    mine, _ = towns
    original = register(client, mine, group_prefix="mine").json()
    sealed = stored(app, original["id"]).sso_secret
    again = register(client, mine, url="https://FORUM.mine.example/", group_prefix="minecity", max_tier=3,
                     name="Renamed")
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["id"] == original["id"] and body["secret"] is None  # the secret stays (and is not shown)
    assert (body["group_prefix"], body["max_tier"], body["name"]) == ("minecity", 3, "Renamed")
    assert stored(app, original["id"]).sso_secret == sealed


def test_rotating_gives_a_new_secret_once_and_only_the_forums_admin_may(client, app, settings, towns):
    mine, prefecture = towns
    forum = register(client, mine).json()
    path = f"/staff/municipalities/{mine.id}/forums/{forum['id']}/secret"
    rotated = client.post(path, headers=mine.admin)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert len(new) == 64 and new != forum["secret"]
    row = stored(app, forum["id"])
    assert unseal(settings.sealing_key, "forum-sso", row.sso_secret, bound_to=f"forum:{row.id}") == new
    assert_error(client.post(path, headers=mine.viewer), 403, "role_required")
    assert_error(client.post(path, headers=prefecture.admin), 403, "role_required")
    # Through its own municipality's path, another's forum does not exist.
    assert_error(client.post(f"/staff/municipalities/{prefecture.id}/forums/{forum['id']}/secret",
                             headers=prefecture.admin), 404, "not_found")
    assert_error(client.post(f"/staff/municipalities/{mine.id}/forums/999999/secret", headers=mine.admin), 404,
                 "not_found")
    assert stored(app, forum["id"]).sso_secret == row.sso_secret  # the refused calls changed nothing


def test_another_municipality_and_viewers_cannot_register_or_list_here(client, towns):
    mine, prefecture = towns
    assert_error(register(client, mine, as_=prefecture.admin), 403, "role_required")
    assert_error(register(client, mine, as_=mine.viewer), 403, "role_required")
    assert_error(client.get(f"/staff/municipalities/{mine.id}/forums", headers=prefecture.admin), 403,
                 "role_required")
    assert_error(client.get(f"/staff/municipalities/{mine.id}/forums"), 401, "not_signed_in")
    # Its own path with our collection: the collection is not its own.
    assert_error(client.post(f"/staff/municipalities/{prefecture.id}/forums", headers=prefecture.admin,
                             json={"collection_id": mine.collection_id, "url": FORUM}), 404, "not_found")


@pytest.mark.parametrize("fields, code", [
    ({"group_prefix": "yamaguchi_pref"}, "group_name_too_long"),         # yamaguchi_pref_holders: 22
    ({"group_prefix": "yamaguchi_ab", "max_tier": 100}, "group_name_too_long"),  # yamaguchi_ab_tier_100: 21
    ({"group_prefix": "a" * 13}, "group_name_too_long"),
    ({"group_prefix": "a" * 40}, "group_name_too_long"),
    ({"group_prefix": "Admins"}, "group_name_invalid"),
    ({"group_prefix": "admins_"}, "group_name_invalid"),
    ({"group_prefix": "みね"}, "group_name_invalid"),
    ({"url": "ftp://forum.example"}, "forum_url_invalid"),
    ({"url": "forum.example"}, "forum_url_invalid"),
])
def test_group_prefixes_discourse_would_refuse_and_bad_urls_are_refused(client, app, towns, fields, code):
    _, prefecture = towns
    fields = dict(fields)
    url = fields.pop("url", "https://forum.yamaguchi.example")
    body = assert_error(register(client, prefecture, url=url, **fields), 422, code)
    assert body["message_ja"] != body["message_en"]
    assert client.get(f"/staff/municipalities/{prefecture.id}/forums", headers=prefecture.admin).json() == []


def test_the_longest_prefix_that_fits_is_accepted(client, towns):
    _, prefecture = towns
    response = register(client, prefecture, url="https://forum.yamaguchi.example", group_prefix="yamaguchi_pr",
                        max_tier=10)
    assert response.status_code == 200, response.text
    assert max(len(g) for g in response.json()["groups"]) == 20  # yamaguchi_pr_holders, yamaguchi_pr_tier_10
