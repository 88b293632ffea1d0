"""Campaigns from the web against a real anvil chain and a real ResidentMinter: allowlist uploads (bad rows with
Excel row numbers), campaigns created on chain, holders claiming with the transaction the API builds, vouchers."""

from __future__ import annotations

import orjson
import pytest
from pydantic import SecretStr

from tests.backend.access_setup import assert_error, bearer, sign_in
from backend.campaigns.merkle import allowlist_tree
from tests.backend.campaign_setup import csv_bytes, deploy_minter, send_as
from tests.backend.localchain import ANVIL_KEYS
from tests.backend.perks_setup import municipality_id_of, staff_headers


@pytest.fixture(scope="module")
def minters(chain_with_collection):
    chain = chain_with_collection
    return {"RESSOUL": deploy_minter(chain, chain.soulbound_collection),
            "RESTEST": deploy_minter(chain, chain.collection)}


@pytest.fixture
def settings(settings, minters):
    """The app signs its transactions with anvil account 0: the minters' admin and voucher signer."""
    settings.issuer_key = SecretStr(ANVIL_KEYS[0])
    return settings


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    sync_index()
    return {"mid": municipality_id_of(app, chain_with_collection.soulbound_collection),
            "staff": staff_headers(client, app)}


def upload(client, town, text: str, encoding: str = "utf-8-sig", name: str = "list.csv"):
    return client.post(f"/staff/municipalities/{town['mid']}/allowlists", headers=town["staff"],
                       files={"file": (name, csv_bytes(text, encoding), "text/csv")})


def campaign_body(chain, **overrides) -> dict:
    now = chain.now()
    body = {"collection": "RESSOUL", "name_ja": "秋の住民募集", "name_en": "Autumn residents", "starts_at": now - 60,
            "ends_at": now + 3600, "supply": 10, "wallet_limit": 1, "tier": 0, "validity_days": 365}
    body.update(overrides)
    return body


def create(client, town, chain, **overrides):
    return client.post(f"/staff/municipalities/{town['mid']}/campaigns", headers=town["staff"],
                       json=campaign_body(chain, **overrides))


def holder_headers(client, account) -> dict:
    client.cookies.clear()
    response = sign_in(client, account)
    assert response.status_code == 200, response.text
    return bearer(response.json()["token"])


def verify_identity(client, headers: dict, subject: str) -> None:
    """The holder verifies their identity with the development provider, as on the holder page."""
    nonce = client.post("/me/identity/nonce", json={"purpose": "identity"}, headers=headers).json()["nonce"]
    assertion = client.post("/dev/identity/assertion", json={"nonce": nonce, "subject": subject,
                                                             "birthdate": "1990-04-01"}).json()["assertion"]
    response = client.post("/me/identity", json={"assertion": assertion}, headers=headers)
    assert response.status_code == 200, response.text


# --- allowlists -----------------------------------------------------------------------------------------
def test_a_megabyte_of_bad_rows_gets_the_first_200_problems_and_their_count(client, town):
    """The answer lists the first 200 problems and counts them all; before, it listed every one of them."""
    from backend.campaigns.airdrop_jobs import problems_json
    from backend.campaigns.csvfile import CsvFileError, parse_allowlist

    row = b"0xZZ,abc,0\r\n"  # three problems a row: address, price, limit
    data = b"address,price,limit\r\n" + row * (990_000 // len(row))  # a megabyte, under the body limit
    response = client.post(f"/staff/municipalities/{town['mid']}/allowlists", headers=town["staff"],
                           files={"file": ("bad.csv", data, "text/csv")})
    body = assert_error(response, 422, "csv_invalid")
    with pytest.raises(CsvFileError) as every:
        parse_allowlist(data)
    total = len(every.value.problems)
    assert body["error_count"] == total > 200_000 and str(total) in body["message_en"]
    assert [(e["row"], e["column"]) for e in body["errors"]] == \
        [(p.line, p.column) for p in every.value.problems[:200]]
    listing_all = len(orjson.dumps({**body, "errors": problems_json(every.value.problems)}))
    print(f"\nanswer to {len(data):,} bytes of bad rows: {len(response.content):,} bytes "
          f"(listing all {total:,} problems: {listing_all:,} bytes)")
    assert len(response.content) < 100_000 < 10_000_000 < listing_all


def test_allowlist_with_bad_rows_is_refused_with_excel_row_numbers(client, town, chain_with_collection):
    good = chain_with_collection.new_holder().address
    text = f"アドレス,上限\n{good},1\n0x1234,1\n{good.lower()[:-1]}z,-1\n"
    body = assert_error(upload(client, town, text, "cp932"), 422, "csv_invalid")
    rows = sorted({e["row"] for e in body["errors"]})
    assert rows == [3, 4]
    assert all(e["message_en"] and e["message_ja"] for e in body["errors"])
    assert any(e["column"] == "上限" for e in body["errors"] if e["row"] == 4)
    assert client.get(f"/staff/municipalities/{town['mid']}/allowlists", headers=town["staff"]).json() == []


def test_allowlist_upload_stores_the_merkle_root_of_its_wallets(client, town, chain_with_collection):
    wallets = [chain_with_collection.new_holder().address for _ in range(3)]
    response = upload(client, town, "address,price,limit\n" + "\n".join(f"{w},,2" for w in wallets) + "\n")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["count"] == 3
    assert body["root"] == allowlist_tree((w, None, 2) for w in wallets).root_hex
    listed = client.get(f"/staff/municipalities/{town['mid']}/allowlists", headers=town["staff"]).json()
    assert [a["id"] for a in listed] == [body["id"]]


# --- creating and running campaigns ---------------------------------------------------------------------
def test_campaign_is_created_on_chain_and_listed_open(client, town, chain_with_collection, minters):
    response = create(client, town, chain_with_collection, supply=5, price_wei=0)
    assert response.status_code == 201, response.text
    body = response.json()
    minter = chain_with_collection.web3.eth.contract(address=minters["RESSOUL"].address, abi=minters["RESSOUL"].abi)
    settings, claimed, closed = minter.functions.campaign(body["onchain_id"]).call()
    assert (settings[3], settings[6], claimed, closed) == (5, 365 * 86_400, 0, False)
    assert body["status"] == "open" and body["mode"] == "open" and body["tx_hash"].startswith("0x")
    listed = client.get(f"/staff/municipalities/{town['mid']}/campaigns", headers=town["staff"]).json()
    assert [(c["id"], c["remaining"], c["status"]) for c in listed][0] == (body["id"], 5, "open")
    public = {c["id"]: c for c in client.get("/campaigns").json()}
    assert public[body["id"]] == {"id": body["id"], "onchain_id": body["onchain_id"], "collection": "RESSOUL", "name_ja": "秋の住民募集",
                                  "name_en": "Autumn residents", "starts_at": body["starts_at"],
                                  "ends_at": body["ends_at"], "price_wei": "0", "remaining": 5, "mode": "open"}


def test_the_contract_refusal_is_a_4xx_naming_its_custom_error(client, town, chain_with_collection):
    body = assert_error(create(client, town, chain_with_collection, tier=5), 422, "campaign_invalid_tier")
    assert "ResidentMinterInvalidTier" in body["message_en"] and "ResidentMinterInvalidTier" in body["message_ja"]
    bad_expiry = campaign_body(chain_with_collection)
    body = assert_error(create(client, town, chain_with_collection, validity_days=None,
                               expires_at=bad_expiry["ends_at"] - 10), 422, "campaign_invalid_validity")
    assert "ResidentMinterInvalidValidity" in body["message_en"]


def test_inconsistent_campaign_fields_are_a_422_before_any_transaction(client, town, chain_with_collection):
    now = chain_with_collection.now()
    assert_error(create(client, town, chain_with_collection, ends_at=now - 100), 422, "invalid_request")
    assert_error(create(client, town, chain_with_collection, starts_at="2026-12-01T10:00:00"), 422, "invalid_request")
    assert_error(create(client, town, chain_with_collection, voucher=True, allowlist_id=1), 422, "invalid_request")
    assert_error(create(client, town, chain_with_collection, collection="NOPE"), 404, "collection_not_found")


def test_viewers_may_not_create_campaigns(client, app, town, chain_with_collection):
    viewer = staff_headers(client, app, "campaign-viewer", town["mid"], "viewer")
    client.cookies.clear()
    response = client.post(f"/staff/municipalities/{town['mid']}/campaigns", headers=viewer,
                           json=campaign_body(chain_with_collection))
    assert response.status_code == 403
    assert client.get(f"/staff/municipalities/{town['mid']}/campaigns", headers=viewer).status_code == 200


def test_pause_resume_and_close_reach_the_chain_and_the_holder(client, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection).json()
    holder = chain_with_collection.new_holder()
    base = f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}"
    assert client.post(f"{base}/pause", headers=town["staff"]).json()["status"] == "paused"
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=holder_headers(client, holder)).json()
    assert (offer["eligible"], offer["code"], offer["tx"]) == (False, "paused", None)
    assert "一時停止" in offer["message_ja"]
    assert campaign["id"] not in {c["id"] for c in client.get("/campaigns").json()}
    assert client.post(f"{base}/resume", headers=town["staff"]).json()["status"] == "open"
    assert client.post(f"{base}/close", headers=town["staff"]).json()["status"] == "closed"
    body = assert_error(client.post(f"{base}/pause", headers=town["staff"]), 409, "campaign_closed")
    assert "ResidentMinterCampaignClosed" in body["message_en"]


# --- holders claiming -----------------------------------------------------------------------------------
def test_holder_on_the_allowlist_claims_with_the_offered_transaction_and_gets_a_card(
        client, town, chain_with_collection, sync_index):
    chain = chain_with_collection
    holder, other = chain.new_holder(), chain.new_holder()
    allowlist = upload(client, town, f"address\n{other.address}\n{holder.address}\n").json()
    campaign = create(client, town, chain, allowlist_id=allowlist["id"]).json()
    assert campaign["mode"] == "allowlist"
    headers = holder_headers(client, holder)
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=headers).json()
    assert offer["eligible"] is True and offer["code"] == "eligible" and offer["chain_id"] == 31337
    assert offer["tx"]["to"] == campaign["minter"] and offer["tx"]["value"] == "0x0"
    send_as(chain, holder, offer["tx"])
    sync_index()
    cards = client.get("/me/cards", headers=headers).json()
    assert [c["symbol"] for c in cards] == ["RESSOUL"]
    again = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=headers).json()
    assert (again["eligible"], again["code"]) == (False, "wallet_full")
    staff_view = client.get(f"/staff/municipalities/{town['mid']}/campaigns", headers=town["staff"]).json()
    assert {c["id"]: c["claimed"] for c in staff_view}[campaign["id"]] == 1


def test_wallet_not_on_the_allowlist_is_told_so_in_both_languages(client, town, chain_with_collection):
    chain = chain_with_collection
    listed, stranger = chain.new_holder(), chain.new_holder()
    allowlist = upload(client, town, f"address\n{listed.address}\n").json()
    campaign = create(client, town, chain, allowlist_id=allowlist["id"]).json()
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=holder_headers(client, stranger)).json()
    assert (offer["eligible"], offer["code"], offer["tx"]) == (False, "not_on_allowlist", None)
    assert "not on the campaign's list" in offer["message_en"] and "リストにありません" in offer["message_ja"]


def test_claim_needs_a_holder_session(client, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection).json()
    client.cookies.clear()
    assert_error(client.get(f"/me/campaigns/{campaign['id']}/claim"), 401, "not_signed_in")
    assert_error(client.get("/me/campaigns/999999/claim", headers=holder_headers(client, chain_with_collection.new_holder())),
                 404, "campaign_not_found")


def test_paid_open_campaign_offers_the_price_as_value(client, town, chain_with_collection, sync_index):
    chain = chain_with_collection
    campaign = create(client, town, chain, price_wei=10**15).json()
    holder = chain.new_holder()
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=holder_headers(client, holder)).json()
    assert offer["eligible"] and int(offer["tx"]["value"], 16) == 10**15
    before = chain.web3.eth.get_balance(campaign["minter"])
    send_as(chain, holder, offer["tx"])
    assert chain.web3.eth.get_balance(campaign["minter"]) - before == 10**15
    broke = chain.new_holder(ether=0)
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=holder_headers(client, broke)).json()
    assert (offer["eligible"], offer["code"]) == (False, "insufficient_funds")


def test_voucher_campaign_claim_after_staff_sign_a_voucher(client, town, chain_with_collection, sync_index):
    chain = chain_with_collection
    campaign = create(client, town, chain, voucher=True, tier=1).json()
    assert campaign["mode"] == "voucher"
    holder = chain.new_holder()
    headers = holder_headers(client, holder)
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=headers).json()
    assert (offer["eligible"], offer["code"]) == (False, "no_voucher")
    url = f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}/vouchers"
    assert_error(client.post(url, headers=town["staff"], json={"recipient": holder.address}), 409,
                 "recipient_not_verified")
    subject = f"xid-{holder.address}"
    verify_identity(client, headers, subject)
    voucher = client.post(url, headers=town["staff"], json={"recipient": holder.address})
    assert voucher.status_code == 201, voucher.text
    assert subject not in voucher.text  # only the person's nullifier leaves the server
    mine = client.get("/me/vouchers", headers=headers).json()
    assert [(v["campaign_id"], v["voucher"]["voucher"]["recipient"]) for v in mine] == [(campaign["id"], holder.address)]
    assert mine[0]["onchain_id"] == mine[0]["voucher"]["voucher"]["campaignId"] == campaign["onchain_id"]
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=headers).json()
    assert offer["eligible"] is True, offer
    send_as(chain, holder, offer["tx"])
    sync_index()
    cards = client.get("/me/cards", headers=headers).json()
    assert [(c["symbol"], c["tier"]) for c in cards] == [("RESSOUL", 1)]
    # the same person, another wallet: refused before anything is signed
    second = chain.new_holder()
    verify_identity(client, holder_headers(client, second), subject)
    body = assert_error(client.post(url, headers=town["staff"], json={"recipient": second.address}),
                        409, "voucher_used")
    assert body["message_ja"]


def test_vouchers_only_for_voucher_campaigns(client, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection).json()
    url = f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}/vouchers"
    assert_error(client.post(url, headers=town["staff"], json={"recipient": "0x" + "1" * 40}),
                 409, "not_voucher_campaign")


# --- without the issuer key -----------------------------------------------------------------------------
def test_without_an_issuer_key_campaign_writes_answer_503(client, app, town, chain_with_collection):
    app.state.services.issuer = None
    assert_error(create(client, town, chain_with_collection), 503, "issuer_not_configured")


def test_an_unreachable_chain_node_is_a_503_not_a_500(client, app, town, chain_with_collection):
    create(client, town, chain_with_collection)
    from backend.chain.client import Chain

    app.state.services.chain = Chain("http://127.0.0.1:9", timeout=1.0)  # nothing listens on the discard port
    body = assert_error(client.get(f"/staff/municipalities/{town['mid']}/campaigns", headers=town["staff"]), 503,
                        "chain_unavailable")
    assert "接続できません" in body["message_ja"]
    assert_error(client.get("/campaigns"), 503, "chain_unavailable")
