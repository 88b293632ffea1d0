"""Claim links, the voucher pre-check and posters against a real anvil chain and ResidentMinter: a link is used
once (another wallet is refused plainly, the same wallet may come back), another town's staff are refused, a
voucher for a full wallet is refused before it is signed, and the poster is an A4 PDF/PNG whose QR is the link."""

from __future__ import annotations

import io
import re

import segno
from eth_utils import keccak
from PIL import Image

from backend.db.models_chain import Municipality
from tests.backend.access_setup import assert_error
from tests.backend.campaign_setup import send_as
from tests.backend.campaigns.test_api import (  # noqa: F401 (fixtures)
    create, holder_headers, minters, settings, town, verify_identity,
)
from tests.backend.perks_setup import staff_headers


def links_url(town, campaign) -> str:
    return f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}/claim-links"


def token_of(url: str) -> str:
    return url.split("#", 1)[1]


def test_a_claim_link_gives_one_wallet_a_card_and_then_says_it_was_used(client, town, chain_with_collection,
                                                                        sync_index):
    chain = chain_with_collection
    campaign = create(client, town, chain, voucher=True).json()
    made = client.post(links_url(town, campaign), headers=town["staff"], json={"count": 2})
    assert made.status_code == 201, made.text
    links = made.json()
    assert [link["number"] for link in links] == [1, 2] and not any(link["used"] for link in links)
    token = token_of(links[0]["url"])
    first_look = client.post("/claim-links/look", json={"token": token}).json()
    assert first_look["used"] is False
    # The claim page links the town's landing page, which answers for that slug.
    assert client.get(f"/towns/{first_look['town_slug']}").json()["name_en"] == first_look["town_en"]

    holder = chain.new_holder()
    headers = holder_headers(client, holder)
    offer = client.post("/me/claim-links/redeem", json={"token": token}, headers=headers).json()
    assert offer["eligible"] is True, offer
    # the page words a wallet's raw revert with the catalogue: the wallet cap's selector is "wallet_full"
    cap = "0x" + keccak(text="ResidentCardWalletCapExceeded(address,uint256,uint256)")[:4].hex()
    assert offer["reverts"][cap]["code"] == "wallet_full" and "上限" in offer["reverts"][cap]["message_ja"]
    send_as(chain, holder, offer["tx"])
    sync_index()
    assert [c["symbol"] for c in client.get("/me/cards", headers=headers).json()] == ["RESSOUL"]

    looked = client.post("/claim-links/look", json={"token": token}).json()
    assert looked["used"] is True and re.fullmatch(r"\d{4}-\d{2}-\d{2}", looked["used_on"])
    assert isinstance(looked["used_at"], int) and "used_by" not in looked  # never who used it
    other = chain.new_holder()
    body = assert_error(client.post("/me/claim-links/redeem", json={"token": token},
                                    headers=holder_headers(client, other)), 409, "claim_link_used")
    assert "使用済み" in body["message_ja"] and "already been used" in body["message_en"]
    again = client.post("/me/claim-links/redeem", json={"token": token}, headers=holder_headers(client, holder)).json()
    assert again["eligible"] is False and again["code"] in ("voucher_used", "wallet_full")

    listed = client.get(links_url(town, campaign), headers=town["staff"]).json()
    assert [(link["used"], link["used_by"]) for link in listed] == [(True, holder.address), (False, None)]
    csv = client.get(links_url(town, campaign) + ".csv?lang=ja", headers=town["staff"])
    assert csv.content.startswith(b"\xef\xbb\xbf")
    rows = csv.content.decode("utf-8-sig").split("\r\n")
    assert rows[0].startswith("番号,受け取りリンク") and links[0]["url"] in rows[1] and "使用済み" in rows[1]
    assert re.search(r",\d{4}-\d{2}-\d{2},\d{4}-\d{2}-\d{2}," + holder.address, rows[1])
    assert token not in str(_stored_tokens(client))  # kept hashed and sealed, never in clear
    sheet = client.get(links_url(town, campaign) + ".pdf", headers=town["staff"])
    assert sheet.content.startswith(b"%PDF") and sheet.content.count(b"/Type /Page\n") + \
        sheet.content.count(b"/Type /Page ") >= 1


def _stored_tokens(client):
    from sqlalchemy import select

    from backend.db.models_campaigns import ClaimLink

    with client.app.state.services.session_factory() as db:
        return [(link.token_digest, link.token_sealed) for link in db.scalars(select(ClaimLink))]


def test_an_unknown_link_is_refused_plainly(client, town):
    body = assert_error(client.post("/claim-links/look", json={"token": "x" * 43}), 404, "claim_link_not_found")
    assert body["message_ja"]


def test_another_towns_staff_cannot_make_or_read_links(client, app, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection, voucher=True).json()
    with app.state.services.session_factory() as db:
        other = Municipality(slug="other-town", name_ja="別の町", name_en="Other Town")
        db.add(other)
        db.commit()
        other_id = other.id
    stranger = staff_headers(client, app, "stranger", municipality_id=other_id, role="admin")
    url = links_url(town, campaign)
    assert client.post(url, headers=stranger, json={"count": 1}).status_code == 403
    for path in ("", ".csv", ".pdf"):
        assert client.get(url + path, headers=stranger).status_code == 403
    poster = f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}/poster.pdf"
    assert client.get(poster, headers=stranger).status_code == 403
    # their own municipality in the path does not reach our campaign either
    assert_error(client.post(f"/staff/municipalities/{other_id}/campaigns/{campaign['id']}/claim-links",
                             headers=stranger, json={"count": 1}), 404, "campaign_not_found")


def test_links_of_a_paused_campaign_are_refused_with_what_to_do(client, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection, voucher=True).json()
    client.post(f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}/pause", headers=town["staff"])
    body = assert_error(client.post(links_url(town, campaign), headers=town["staff"], json={"count": 3}), 409,
                        "precheck_paused")
    assert "resume it" in body["message_en"] and "再開" in body["message_ja"]
    assert client.get(links_url(town, campaign), headers=town["staff"]).json() == []
    over = create(client, town, chain_with_collection, voucher=True, supply=2).json()
    assert_error(client.post(links_url(town, over), headers=town["staff"], json={"count": 3}), 409,
                 "claim_links_over_supply")


def test_a_voucher_for_a_wallet_that_already_holds_its_card_is_refused_before_signing(
        client, town, chain_with_collection, sync_index):
    """Before: 201, and the claim later reverted with ResidentCardWalletCapExceeded(0x…, 2, 1)."""
    chain = chain_with_collection
    holder = chain.new_holder()
    headers = holder_headers(client, holder)
    open_campaign = create(client, town, chain).json()
    send_as(chain, holder, client.get(f"/me/campaigns/{open_campaign['id']}/claim", headers=headers).json()["tx"])
    verify_identity(client, headers, f"xid-full-{holder.address}")
    campaign = create(client, town, chain, voucher=True).json()
    url = f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}/vouchers"
    body = assert_error(client.post(url, headers=town["staff"], json={"recipient": holder.address}), 409,
                        "precheck_wallet_full")
    assert holder.address in body["message_en"] and "another wallet" in body["message_en"]
    assert "別のウォレット" in body["message_ja"]
    assert client.get("/me/vouchers", headers=holder_headers(client, holder)).json() == []


def _qr_matrix(png: bytes) -> list[list[bool]]:
    """The QR's modules read back from the poster: pure black pixels are only the QR's (text is not #000)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    black = [(x, y) for y in range(0, height, 2) for x in range(0, width, 2) if pixels[x, y] == (0, 0, 0)]
    left, top = min(x for x, _ in black), min(y for _, y in black)
    right, bottom = max(x for x, _ in black), max(y for _, y in black)
    size = 0
    while pixels[left + size, top] == (0, 0, 0):
        size += 1  # the finder pattern's top edge: 7 modules
    module = size / 7
    count = round((right - left + 2) / module)
    return [[pixels[int(left + (c + 0.5) * module), int(top + (r + 0.5) * module)] == (0, 0, 0)
             for c in range(count)] for r in range(count)]


def test_the_poster_is_a4_pdf_and_png_and_its_qr_is_the_link(client, app, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection, voucher=True).json()
    link = client.post(links_url(town, campaign), headers=town["staff"], json={"count": 1}).json()[0]
    base = f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}/poster"
    pdf = client.get(base + ".pdf", headers=town["staff"], params={"link_id": link["id"]})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    box = [float(v) for v in re.search(rb"/MediaBox \[ *([\d. ]+)\]", pdf.content).group(1).split()]
    assert abs(box[2] - 595.3) < 1 and abs(box[3] - 841.9) < 1  # A4 in points
    png = client.get(base + ".png", headers=town["staff"], params={"link_id": link["id"]})
    assert png.content.startswith(b"\x89PNG") and Image.open(io.BytesIO(png.content)).size == (1240, 1754)
    expected = [[bool(v) for v in row] for row in segno.make(link["url"], error="m", micro=False).matrix]
    assert _qr_matrix(png.content) == expected
    town_poster = client.get(base + ".png", headers=town["staff"])  # the campaign's own page, for everyone
    page = f"{app.state.services.settings.public_url.rstrip('/')}/claim#campaign-{campaign['id']}"
    assert _qr_matrix(town_poster.content) == [[bool(v) for v in row] for row in segno.make(page, error="m").matrix]
