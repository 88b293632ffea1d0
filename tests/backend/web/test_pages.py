"""The web app's server side: pages and their headers, a clear page when vendored files are missing,
/web/config, the QR code of a pass, and the names and forums the holder page shows with each card."""

from xml.etree import ElementTree

import pytest

from tests.backend.access_setup import bearer, sign_in
from backend.forum import register_forum
from backend.web import pages
from backend.web.chains import add_chain_params
from backend.web.qr import qr_svg
from tests.backend.perks_setup import collection_id_of, municipality_id_of, staff_headers


@pytest.mark.parametrize("path", ["/", "/desk", "/console"])
def test_pages_forbid_inline_scripts_and_are_revalidated(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "inline" not in csp
    assert response.headers["cache-control"] == "no-cache"
    assert "<script>" not in response.text and " style=" not in response.text


def test_a_page_whose_library_is_missing_says_how_to_fix_it(client, monkeypatch, tmp_path):
    monkeypatch.setattr(pages, "VENDOR_DIR", tmp_path)  # an empty vendor folder
    response = client.get("/console")
    assert response.status_code == 503
    assert "chart.umd.min.js" in response.text and "make setup" in response.text and "セットアップ" in response.text
    assert client.get("/").status_code == 200  # the holder page needs no vendored library


def test_static_files_are_revalidated(client):
    response = client.get("/static/js/i18n.js")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    assert client.get("/static/js/none.js").status_code == 404


def test_web_config_gives_the_chain_and_lists_optional_modules(client, monkeypatch, tmp_path):
    (tmp_path / "js").mkdir()
    for name in ("holder.js", "holder_residency.js", "holder_civic.js", "console_perks.js", "desk.js"):
        (tmp_path / "js" / name).write_text("")
    monkeypatch.setattr(pages, "STATIC_DIR", tmp_path)
    config = client.get("/web/config").json()
    assert config["chain_id"] == 31337 and config["add_chain"]["chainId"] == "0x7a69"
    assert config["extensions"] == {"holder": ["holder_civic.js", "holder_residency.js"], "desk": [],
                                    "console": ["console_perks.js"]}


def test_only_public_rpc_urls_are_offered_to_wallets():
    assert add_chain_params(31337, "http://127.0.0.1:8545")["rpcUrls"] == ["http://127.0.0.1:8545"]
    polygon = add_chain_params(137, "https://polygon-mainnet.example/v2/SECRET-KEY")
    assert polygon["chainId"] == "0x89" and "SECRET-KEY" not in str(polygon)
    assert add_chain_params(424242, "https://rpc.example/SECRET") is None


def test_qr_svg_is_a_standalone_black_on_white_svg():
    svg = qr_svg("rp1." + "A" * 140)
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert 'stroke="#000"' in svg and 'fill="#fff"' in svg
    assert qr_svg("rp1.a") != qr_svg("rp1.b")


def test_a_pass_comes_with_its_qr_code_and_seconds_left(client, app, chain_with_collection, sync_index):
    chain = chain_with_collection
    sync_index()  # registers the collection
    mid, cid = municipality_id_of(app, chain.collection), collection_id_of(app, chain.collection)
    staff = staff_headers(client, app)
    venue = client.post(f"/staff/municipalities/{mid}/venues", json={"name_ja": "窓口", "name_en": "Desk"},
                        headers=staff).json()
    perk = client.post(f"/staff/municipalities/{mid}/perks", headers=staff, json={
        "collection_id": cid, "name_ja": "入場", "name_en": "Entry", "kind": "venue_entry", "limit_count": 1,
        "limit_period": "day", "venue_ids": [venue["id"]]})
    assert perk.status_code == 201, perk.text
    perk = perk.json()
    holder = chain.new_holder()
    token_id = chain.collection.issue(holder.address)
    sync_index()
    headers = bearer(sign_in(client, holder).json()["token"])
    answer = client.post(f"/me/perks/{perk['id']}/pass", headers=headers,
                         json={"collection": cid, "token_id": token_id}).json()
    assert 85 <= answer["valid_for"] <= 90
    assert ElementTree.fromstring(answer["qr_svg"]).tag == "{http://www.w3.org/2000/svg}svg"


def test_my_cards_name_the_municipality_and_the_forums(client, app, chain_with_collection, sync_index):
    chain = chain_with_collection
    holder = chain.new_holder()
    chain.collection.issue(holder.address)
    sync_index()
    cid = collection_id_of(app, chain.collection)
    with app.state.services.session_factory() as db:
        register_forum(db, cid, "https://forum.town.example.jp", name="Town forum", group_prefix="town")
        db.commit()
    card = client.get("/me/cards", headers=bearer(sign_in(client, holder).json()["token"])).json()[0]
    assert card["municipality_name_ja"] and card["municipality_name_en"]
    assert card["collection_name_en"]
    assert card["forums"] == [{"name": "Town forum", "url": "https://forum.town.example.jp"}]
