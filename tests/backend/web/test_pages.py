"""The web app's server side: pages from one base template and their headers, a clear page when vendored
files are missing, the holder page's way back after sign-in (same origin only), /web/config, the QR code of
a pass and its lifetime, and the names and forums the holder page shows with each card."""

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app

from tests.backend.access_setup import bearer, sign_in
from backend.forum import register_forum
from backend.venues import passes
from backend.web import pages
from backend.web.chains import add_chain_params
from backend.web.qr import qr_svg
from backend.web.vendor import KECCAK_MODULES
from tests.backend.perks_setup import collection_id_of, municipality_id_of, staff_headers


@pytest.mark.parametrize("path", ["/", "/desk", "/console", "/activity-qr"])
def test_pages_forbid_inline_scripts_and_are_revalidated(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "inline" not in csp
    assert response.headers["cache-control"] == "no-cache"
    assert "<script>" not in response.text and " style=" not in response.text


@pytest.mark.parametrize("page", pages.PAGES, ids=lambda page: page.path)
def test_every_page_is_the_one_base_with_its_own_module_and_libraries(client, page):
    text = client.get(page.path).text
    assert text.startswith("<!doctype html>\n<html lang=\"ja\">")
    for once in ('<header class="site-header">', 'class="skip-link"', '<main id="main" tabindex="-1">',
                 '<footer class="site-footer">', 'name="viewport"', 'href="/static/css/app.css"'):
        assert text.count(once) == 1, (page.path, once)
    # The holder's pass and its settings section have their own switches.
    assert text.count('data-lang="ja"') == (3 if page.template == "holder.html" else 1)
    script = page.template.removesuffix(".html") + ".js"
    assert re.findall(r'<script type="module" src="([^"]+)"', text) == [f"/static/js/{script}"]
    assert re.findall(r'<script src="/static/vendor/([^"]+)" defer>', text) == list(page.vendor)
    assert "{{" not in text and "{%" not in text


def test_every_template_extends_the_base():
    folder = Path(pages.TEMPLATES_DIR)
    for template in folder.glob("*.html"):
        if template.name not in ("base.html", "_parts.html"):
            assert template.read_text().startswith('{% extends "base.html" %}'), template.name


def test_a_page_whose_library_is_missing_says_how_to_fix_it(client, monkeypatch, tmp_path):
    monkeypatch.setattr(pages, "VENDOR_DIR", tmp_path)  # an empty vendor folder
    response = client.get("/console")
    assert response.status_code == 503
    assert "chart.umd.min.js" in response.text and "make setup" in response.text and "セットアップ" in response.text
    assert '<header class="site-header">' in response.text  # the same base, without a script
    assert "<script" not in response.text and response.headers["content-security-policy"] == pages.CSP
    assert client.get("/activity-qr").status_code == 200  # a page that needs no vendored library
    holder = client.get("/")  # its module imports the vendored keccak-256 (passkey.js → erc7739.js)
    assert holder.status_code == 503 and "noble-hashes/sha3.js" in holder.text


def test_the_vendored_es_modules_are_served_as_javascript_from_this_origin(client):
    """The passkey's challenges need keccak-256 in the page: ES modules from /static/vendor/, which the
    pages' CSP (script-src 'self') allows; a module script needs a JavaScript MIME type."""
    assert "script-src 'self'" in pages.CSP
    for page in ("/", "/claim"):
        assert next(p for p in pages.PAGES if p.path == page).modules == KECCAK_MODULES
    for name in KECCAK_MODULES:
        response = client.get(f"/static/vendor/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith("text/javascript"), name


SAME_ORIGIN = ["/forum/sso?sso=bm9uY2U9YWJj%0A&sig=0a1b", "/desk", "/?tab=perks#x", "/%2F%2Fevil.example"]
ELSEWHERE = ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
             "https://evil.example/", "javascript:alert(1)", " /desk", "/desk ", "/desk\r\n", "evil.example",
             "/\x00/evil.example", "/é", "/" + "a" * 20_000, ""]


def test_the_holder_page_goes_back_to_a_path_on_this_site(client):
    for next_url in SAME_ORIGIN:
        assert pages.same_origin_path(next_url) == next_url
        text = client.get("/", params={"next": next_url}).text
        assert re.search(r' data-next="([^"]*)"', text).group(1).replace("&amp;", "&") == next_url


def test_the_holder_page_never_sends_the_browser_elsewhere(client):
    for next_url in ELSEWHERE:
        assert pages.same_origin_path(next_url) is None, next_url
        response = client.get("/", params={"next": next_url})
        assert response.status_code == 200 and "data-next" not in response.text, next_url


def test_the_open_redirect_of_the_old_sign_in_page_is_gone(client):
    assert client.get("/signin?next=%2F%09%2Fevil.example").status_code == 404
    assert "data-next" not in client.get("/?next=%2F%09%2Fevil.example").text


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
    assert (config["pass_lifetime"], config["pass_renew_margin"]) == (90, 15)  # the defaults


def test_pass_lifetime_and_renewal_margin_are_settings(settings, chain_with_collection, sync_index):
    short = settings.model_copy(update={"pass_lifetime": 12, "pass_renew_margin": 4})
    with TestClient(create_app(short)) as client:
        config = client.get("/web/config").json()
        assert (config["pass_lifetime"], config["pass_renew_margin"]) == (12, 4)
        assert client.app.state.services.pass_signer.ttl == 12
    with pytest.raises(ValueError, match="RESIDENT_PASS_RENEW_MARGIN"):
        type(settings)(_env_file=None, pass_lifetime=10, pass_renew_margin=10)
    assert type(settings).model_fields["pass_lifetime"].default == passes.DEFAULT_TTL


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
        register_forum(db, cid, "https://forum.town.example.jp", sealing_key=app.state.services.settings.sealing_key,
                       name="Town forum", group_prefix="town")
        db.commit()
    card = client.get("/me/cards", headers=bearer(sign_in(client, holder).json()["token"])).json()[0]
    assert card["municipality_name_ja"] and card["municipality_name_en"]
    assert client.get(f"/towns/{card['municipality_slug']}").json()["name_en"] == card["municipality_name_en"]
    assert card["collection_name_en"]
    assert card["forums"] == [{"name": "Town forum", "url": "https://forum.town.example.jp"}]


def test_web_config_names_the_chains_explorer_for_transaction_links():
    from backend.settings import Settings
    from backend.web.pages import read_web_config

    assert read_web_config(Settings(_env_file=None, chain_id=137)).explorer == "https://polygonscan.com"
    assert read_web_config(Settings(_env_file=None, chain_id=31337)).explorer is None  # anvil: plain hashes
