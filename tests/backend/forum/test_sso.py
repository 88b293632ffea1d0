"""DiscourseConnect round trips as Discourse performs them, against the real chain and index: only holders of
a valid card get in, with groups by tier; a holder who lost the card is refused at the next login."""

import base64
import hashlib
import hmac
import html
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from eth_account import Account
from sqlalchemy import select

from tests.backend.access_setup import assert_error, sign_in
from backend.db.models_chain import Collection, Municipality
from backend.db.session import begin_immediate
from backend.forum import external_id, register_forum

FORUM = "https://forum.mine.example"
RETURN_URL = FORUM + "/session/sso_login"


@pytest.fixture
def registered(app, client, settings, chain_with_collection, sync_index):
    """The indexed test collection with a forum registered for it; returns (chain, collection row id, the
    forum's DiscourseConnect secret)."""
    sync_index()
    with app.state.services.session_factory() as db:
        begin_immediate(db)
        collection = db.scalar(select(Collection).where(Collection.address == chain_with_collection.collection.address))
        done = register_forum(db, collection.id, FORUM, sealing_key=settings.sealing_key, name="Mine forum",
                              group_prefix="mine", max_tier=2)
        db.commit()
        return chain_with_collection, collection.id, done.secret


@pytest.fixture
def world(registered):
    """(chain, collection row id)."""
    return registered[:2]


@pytest.fixture
def secret(registered):
    """The registered forum's own DiscourseConnect secret, as Discourse would be given it."""
    return registered[2]


def discourse_redirect(secret, nonce=None, return_url=RETURN_URL):
    """sso and sig exactly as Discourse's DiscourseConnect::Base#payload builds them (Base64 with newline)."""
    nonce = nonce or secrets.token_hex(16)
    payload = base64.encodebytes(urlencode({"nonce": nonce, "return_sso_url": return_url}).encode()).decode()
    sig = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return nonce, {"sso": payload, "sig": sig}


def discourse_accepts(secret, location):
    """What Discourse's sso_login does with our redirect: check sig, decode the payload."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == RETURN_URL
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    expected = hmac.new(secret.encode(), query["sso"].encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, query["sig"]), "Discourse would reject this signature"
    return {k: v[0] for k, v in parse_qs(base64.b64decode(query["sso"]).decode()).items()}


def holder_with_card(client, chain, tier=1):
    holder = chain.new_holder()
    token_id = chain.collection.issue(holder.address, tier=tier)
    assert sign_in(client, holder).status_code == 200
    return holder, token_id


def test_a_holder_round_trip_like_discourse(client, secret, world, sync_index):
    chain, _ = world
    holder, _ = holder_with_card(client, chain, tier=1)
    sync_index()
    nonce, params = discourse_redirect(secret)
    response = client.get("/forum/sso", params=params, follow_redirects=False)
    assert response.status_code == 302, response.text
    fields = discourse_accepts(secret, response.headers["location"])
    assert fields["nonce"] == nonce
    assert fields["external_id"] == external_id(31337, holder.address)
    assert fields["email"] == f"{fields['external_id'][:32]}@users.noreply.resident.invalid"
    assert fields["username"] == f"holder_{holder.address[2:10].lower()}"
    assert fields["add_groups"] == "mine_holders,mine_tier_1"
    assert fields["remove_groups"] == "mine_tier_0,mine_tier_2"
    assert fields["require_activation"] == "false"


def test_groups_follow_the_best_valid_card_and_tier_changes(client, secret, world, sync_index):
    chain, _ = world
    holder, token_id = holder_with_card(client, chain, tier=0)
    sync_index()
    _, params = discourse_redirect(secret)
    first = discourse_accepts(secret,
                              client.get("/forum/sso", params=params, follow_redirects=False).headers["location"])
    assert first["add_groups"] == "mine_holders,mine_tier_0"
    chain.collection.set_tier(token_id, 1)  # the test collection's highest tier
    sync_index()
    _, params = discourse_redirect(secret)
    second = discourse_accepts(secret,
                               client.get("/forum/sso", params=params, follow_redirects=False).headers["location"])
    assert second["add_groups"] == "mine_holders,mine_tier_1"
    assert second["remove_groups"] == "mine_tier_0,mine_tier_2"
    assert second["external_id"] == first["external_id"]  # same forum account


@pytest.mark.parametrize("loss", ["transfer", "revoke"])
def test_a_holder_who_lost_the_card_is_refused_at_the_next_login(client, secret, world, sync_index, loss):
    chain, _ = world
    holder, token_id = holder_with_card(client, chain)
    sync_index()
    _, params = discourse_redirect(secret)
    assert client.get("/forum/sso", params=params, follow_redirects=False).status_code == 302
    if loss == "transfer":
        chain.collection.transfer(token_id, Account.create().address)
    else:
        chain.collection.revoke(token_id)
    sync_index()
    _, params = discourse_redirect(secret)
    assert_error(client.get("/forum/sso", params=params, follow_redirects=False), 403, "no_valid_card")


def test_a_card_of_another_collection_does_not_open_this_forum(client, secret, world, sync_index):
    chain, _ = world
    holder = chain.new_holder()
    chain.soulbound_collection.issue(holder.address)
    sync_index()
    sign_in(client, holder)
    _, params = discourse_redirect(secret)
    assert_error(client.get("/forum/sso", params=params, follow_redirects=False), 403, "no_valid_card")


def test_without_a_session_browsers_go_to_the_holder_page_and_api_clients_get_401(client, secret, world):
    _, params = discourse_redirect(secret)
    client.cookies.clear()
    browser = client.get("/forum/sso", params=params, headers={"accept": "text/html,application/xhtml+xml"},
                         follow_redirects=False)
    assert browser.status_code == 302
    location = urlsplit(browser.headers["location"])
    assert location.path == "/" and not location.netloc
    back = parse_qs(location.query)["next"][0]
    assert parse_qs(urlsplit(back).query) == {"sso": [params["sso"]], "sig": [params["sig"]]}
    # The holder page takes it as its way back (Discourse's payload carries newlines: they travel encoded).
    page = client.get(browser.headers["location"])
    assert page.status_code == 200
    assert f'data-next="{html.escape(back)}"' in page.text
    assert_error(client.get("/forum/sso", params=params, headers={"accept": "application/json"}), 401, "not_signed_in")


def test_after_sign_in_the_way_back_logs_the_holder_into_the_forum(client, secret, world, sync_index):
    chain, _ = world
    _, params = discourse_redirect(secret)
    client.cookies.clear()
    to_holder_page = client.get("/forum/sso", params=params, headers={"accept": "text/html"}, follow_redirects=False)
    back = parse_qs(urlsplit(to_holder_page.headers["location"]).query)["next"][0]
    holder_with_card(client, chain)  # what the holder page does: SIWE, session cookie
    sync_index()
    response = client.get(back, headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 302
    assert discourse_accepts(secret, response.headers["location"])["nonce"]


def test_tampered_or_unsigned_requests_are_refused(client, secret, world):
    _, params = discourse_redirect(secret)
    _, other = discourse_redirect(secret)
    assert_error(client.get("/forum/sso", params={"sso": other["sso"], "sig": params["sig"]}), 400, "sso_bad_request")
    assert_error(client.get("/forum/sso", params={"sso": params["sso"]}), 400, "sso_bad_request")
    _, forged = discourse_redirect("not the forum's secret")
    assert_error(client.get("/forum/sso", params=forged), 400, "sso_bad_request")


def test_a_return_url_that_is_not_a_registered_forum_is_refused(client, secret, world, sync_index):
    chain, _ = world
    holder_with_card(client, chain)
    sync_index()
    for url in ["https://evil.example/session/sso_login", "http://forum.mine.example/session/sso_login",
                "https://forum.mine.example.evil.example/session/sso_login"]:
        _, params = discourse_redirect(secret, return_url=url)
        assert_error(client.get("/forum/sso", params=params, follow_redirects=False), 403, "sso_unknown_forum")


def test_staff_admin_registers_a_forum_through_the_api(client, app, world):
    from backend.auth import staff

    _, collection_id = world
    with app.state.services.session_factory() as db:
        begin_immediate(db)
        municipality_id = db.get(Collection, collection_id).municipality_id
        staff.create_admin(db, "forum-admin", "a long password", municipality_id=municipality_id)
        db.commit()
    token = client.post("/staff/login", json={"login": "forum-admin", "password": "a long password"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/staff/municipalities/{municipality_id}/forums", headers=headers,
                           json={"collection_id": collection_id, "url": "https://talk.mine.example/", "max_tier": 1})
    assert response.status_code == 200, response.text
    assert response.json()["url"] == "https://talk.mine.example"
    assert response.json()["sso_url"] == "http://127.0.0.1:8000/forum/sso"
    assert_error(client.post(f"/staff/municipalities/{municipality_id}/forums", headers=headers,
                             json={"collection_id": collection_id, "url": "ftp://x"}), 422, "forum_url_invalid")
    assert_error(client.post(f"/staff/municipalities/{municipality_id + 1000}/forums", headers=headers,
                             json={"collection_id": collection_id, "url": "https://x.example"}), 403, "role_required")


def test_a_request_signed_with_another_forums_secret_is_refused(client, app, settings, secret, world, sync_index):
    # One shared secret let any forum's operator forge logins on every other forum; each has its own now.
    chain, _ = world
    with app.state.services.session_factory() as db:
        begin_immediate(db)
        other_town = Municipality(slug="other-town", name_ja="他町", name_en="Other Town")
        db.add(other_town)
        db.flush()
        other_collection = Collection(municipality_id=other_town.id, chain_id=31337, address="0x" + "ab" * 20,
                                      symbol="OTHER", name_ja="他町", name_en="Other Town", soulbound=True,
                                      deploy_block=1, indexed_block=0)
        db.add(other_collection)
        db.flush()
        other_secret = register_forum(db, other_collection.id, "https://forum.other.example",
                                      sealing_key=settings.sealing_key, group_prefix="other").secret
        db.commit()
    assert other_secret != secret
    holder_with_card(client, chain)  # signed in with a valid card: a forged request would log them in
    sync_index()
    _, forged = discourse_redirect(other_secret)  # mine's return URL, the other forum's secret
    assert_error(client.get("/forum/sso", params=forged, follow_redirects=False), 400, "sso_bad_request")
    _, forged = discourse_redirect(secret, return_url="https://forum.other.example/session/sso_login")
    assert_error(client.get("/forum/sso", params=forged, follow_redirects=False), 400, "sso_bad_request")
    _, genuine = discourse_redirect(secret)
    assert client.get("/forum/sso", params=genuine, follow_redirects=False).status_code == 302


def test_a_forum_without_a_secret_signs_nobody_in_until_its_secret_is_rotated(client, app, settings, world,
                                                                             sync_index):
    from backend.db.models_access import Forum
    from backend.forum import rotate_secret

    chain, _ = world
    with app.state.services.session_factory() as db:  # as a forum registered before secrets were per forum
        begin_immediate(db)
        forum = db.scalar(select(Forum).where(Forum.url == FORUM))
        forum.sso_secret = None
        db.commit()
    holder_with_card(client, chain)
    sync_index()
    for guess in ["", "dev-only-discourse-secret-change-me-00000"]:  # the old shared default included
        _, params = discourse_redirect(guess or "x")
        if not guess:
            params["sig"] = ""
        assert_error(client.get("/forum/sso", params=params, follow_redirects=False), 400, "sso_bad_request")
    with app.state.services.session_factory() as db:
        begin_immediate(db)
        new = rotate_secret(db, db.scalar(select(Forum).where(Forum.url == FORUM)), sealing_key=settings.sealing_key)
        db.commit()
    _, params = discourse_redirect(new)
    response = client.get("/forum/sso", params=params, follow_redirects=False)
    assert response.status_code == 302
    assert discourse_accepts(new, response.headers["location"])["add_groups"].startswith("mine_holders")
