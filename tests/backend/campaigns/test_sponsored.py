"""Sponsored claims end to end on a real anvil chain: a resident with no native token signs a claim request
with their own key (eth-account, EIP-712 typed data from the API), the relayer (anvil account 1, its own
key) simulates, sends and pays; the sponsorship policy's budgets and limits; the contract's refusals cost
nothing; the staff routes are scoped to the municipality and refused cross-origin."""

from __future__ import annotations

import pytest
from eth_account import Account
from pydantic import SecretStr
from sqlalchemy import func, select

from backend.db.models_sponsorship import SponsoredClaim
from tests.backend.access_setup import assert_error, bearer, sign_in
from tests.backend.campaign_setup import deploy_minter
from tests.backend.localchain import ANVIL_KEYS
from tests.backend.perks_setup import municipality_id_of, staff_headers

EVIL = "http://evil.example"
ETHER = 10**18
RELAYER = Account.from_key(ANVIL_KEYS[1])


@pytest.fixture(scope="module")
def minters(chain_with_collection):
    chain = chain_with_collection
    return {"RESSOUL": deploy_minter(chain, chain.soulbound_collection)}


@pytest.fixture
def settings(settings, minters):
    settings.issuer_key = SecretStr(ANVIL_KEYS[0])  # the minter's admin: creates the campaigns
    settings.relayer_key = SecretStr(ANVIL_KEYS[1])  # pays for sponsored claims, holds no role
    return settings


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    sync_index()
    return {"mid": municipality_id_of(app, chain_with_collection.soulbound_collection),
            "staff": staff_headers(client, app)}


def create(client, town, chain, **overrides) -> dict:
    now = chain.now()
    body = {"collection": "RESSOUL", "name_ja": "無料配布", "name_en": "Free cards", "starts_at": now - 60,
            "ends_at": now + 3600, "supply": 10, "wallet_limit": 1, "tier": 0, "validity_days": 365}
    body.update(overrides)
    response = client.post(f"/staff/municipalities/{town['mid']}/campaigns", headers=town["staff"], json=body)
    assert response.status_code == 201, response.text
    return response.json()


def set_policy(client, town, **changes):
    body = {"enabled": True, "daily_budget_wei": ETHER // 10, "monthly_budget_wei": ETHER, "per_person_per_day": 1,
            "per_address_per_day": 10, **changes}
    response = client.put(f"/staff/municipalities/{town['mid']}/sponsorship", headers=town["staff"], json=body)
    assert response.status_code == 200, response.text
    return response.json()


def resident_headers(client) -> tuple:
    """A fresh resident wallet holding no native token, signed in."""
    account = Account.create()
    client.cookies.clear()
    response = sign_in(client, account)
    assert response.status_code == 200, response.text
    return account, bearer(response.json()["token"])


def signed_request(client, account, headers, campaign_id, **edit) -> dict:
    """Fetches the typed data, lets the resident's own key sign it (as eth_signTypedData_v4 would)."""
    typed = client.get(f"/me/campaigns/{campaign_id}/sponsored-claim", headers=headers).json()
    message = {k: int(v) if k not in ("recipient",) else v for k, v in typed["message"].items()}
    message.update(edit.pop("message", {}))
    signer = edit.pop("signer", account)
    signature = Account.sign_typed_data(signer.key, full_message={**typed, "message": message}).signature
    return {"request": {k: (str(v) if isinstance(v, int) else v) for k, v in message.items()},
            "signature": "0x" + bytes(signature).hex()}


def post(client, campaign_id, headers, body):
    return client.post(f"/me/campaigns/{campaign_id}/sponsored-claim", headers=headers, json=body)


def spent(app) -> int:
    with app.state.services.session_factory() as db:
        return db.scalar(select(func.count()).select_from(SponsoredClaim))


def test_a_resident_with_no_native_token_gets_the_card_and_the_town_pays(client, app, town, chain_with_collection):
    chain = chain_with_collection
    campaign = create(client, town, chain)
    set_policy(client, town)
    account, headers = resident_headers(client)
    assert chain.web3.eth.get_balance(account.address) == 0
    relayer_before = chain.web3.eth.get_balance(RELAYER.address)
    response = post(client, campaign["id"], headers, signed_request(client, account, headers, campaign["id"]))
    assert response.status_code == 201, response.text
    out = response.json()
    card = chain.soulbound_collection.contract
    assert card.functions.ownerOf(out["first_token_id"]).call() == account.address
    assert chain.web3.eth.get_balance(account.address) == 0
    receipt = chain.web3.eth.get_transaction_receipt(out["tx_hash"])
    cost = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert int(out["cost_wei"]) == cost > 0
    assert chain.web3.eth.get_balance(RELAYER.address) == relayer_before - cost
    view = client.get(f"/staff/municipalities/{town['mid']}/sponsorship", headers=town["staff"]).json()
    assert (int(view["spent_today_wei"]), view["claims_today"]) == (cost, 1)
    assert int(view["left_today_wei"]) == ETHER // 10 - cost


def test_the_budget_exhausted_is_refused_and_costs_nothing(client, app, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection)
    set_policy(client, town, daily_budget_wei=1000)  # less than any claim's gas
    account, headers = resident_headers(client)
    before = chain_with_collection.web3.eth.get_balance(RELAYER.address)
    body = assert_error(post(client, campaign["id"], headers, signed_request(client, account, headers, campaign["id"])),
                        409, "sponsorship_daily_budget_exhausted")
    assert body["message_ja"] and body["message_en"]
    set_policy(client, town, daily_budget_wei=1000, monthly_budget_wei=1000)
    assert_error(post(client, campaign["id"], headers, signed_request(client, account, headers, campaign["id"])),
                 409, "sponsorship_monthly_budget_exhausted")
    assert chain_with_collection.web3.eth.get_balance(RELAYER.address) == before and spent(app) == 0


def test_a_request_for_another_recipient_is_refused(client, app, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection)
    set_policy(client, town)
    account, headers = resident_headers(client)
    other = Account.create()
    # Signed by the resident but naming someone else's wallet: refused before the chain.
    body = signed_request(client, account, headers, campaign["id"], message={"recipient": other.address})
    assert_error(post(client, campaign["id"], headers, body), 403, "claim_request_other_recipient")
    # Naming the resident but signed by someone else: the contract's ClaimRequestWrongSigner, found by simulating.
    body = signed_request(client, account, headers, campaign["id"], signer=other)
    refused = assert_error(post(client, campaign["id"], headers, body), 403, "claim_request_wrong_signer")
    assert "ResidentMinterClaimRequestWrongSigner" in refused["message_en"] and other.address in refused["message_en"]
    assert spent(app) == 0


def test_an_expired_request_is_refused(client, app, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection)
    set_policy(client, town)
    account, headers = resident_headers(client)
    body = signed_request(client, account, headers, campaign["id"],
                          message={"deadline": chain_with_collection.now() - 1})
    refused = assert_error(post(client, campaign["id"], headers, body), 410, "claim_request_expired")
    assert "ResidentMinterClaimRequestExpired" in refused["message_en"]
    assert spent(app) == 0


def test_a_replayed_request_is_refused(client, app, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection, wallet_limit=2)
    set_policy(client, town, per_person_per_day=5)
    account, headers = resident_headers(client)
    body = signed_request(client, account, headers, campaign["id"])
    assert post(client, campaign["id"], headers, body).status_code == 201
    refused = assert_error(post(client, campaign["id"], headers, body), 409, "claim_request_replayed")
    assert "ResidentMinterClaimRequestReplayed" in refused["message_en"]
    assert spent(app) == 1


def test_a_claim_the_contract_would_refuse_costs_nothing(client, app, town, chain_with_collection):
    campaign = create(client, town, chain_with_collection)
    set_policy(client, town)
    client.post(f"/staff/municipalities/{town['mid']}/campaigns/{campaign['id']}/pause", headers=town["staff"])
    account, headers = resident_headers(client)
    before = chain_with_collection.web3.eth.get_balance(RELAYER.address)
    nonce = chain_with_collection.web3.eth.get_transaction_count(RELAYER.address)
    refused = assert_error(post(client, campaign["id"], headers,
                                signed_request(client, account, headers, campaign["id"])), 409, "paused")
    assert "ResidentMinterCampaignPaused" in refused["message_en"]
    assert chain_with_collection.web3.eth.get_balance(RELAYER.address) == before
    assert chain_with_collection.web3.eth.get_transaction_count(RELAYER.address) == nonce and spent(app) == 0


def test_the_policy_covers_only_free_campaigns_and_limits_each_person(client, app, town, chain_with_collection):
    priced = create(client, town, chain_with_collection, price_wei=1000)
    set_policy(client, town)
    account, headers = resident_headers(client)
    assert_error(post(client, priced["id"], headers, signed_request(client, account, headers, priced["id"])),
                 409, "sponsorship_not_covered")
    free = create(client, town, chain_with_collection, wallet_limit=3)
    assert post(client, free["id"], headers, signed_request(client, account, headers, free["id"])).status_code == 201
    assert_error(post(client, free["id"], headers, signed_request(client, account, headers, free["id"])),
                 429, "sponsorship_person_limit")
    set_policy(client, town, per_person_per_day=5, per_address_per_day=1)  # the test client's one address
    assert_error(post(client, free["id"], headers, signed_request(client, account, headers, free["id"])),
                 429, "sponsorship_address_limit")
    set_policy(client, town, enabled=False)
    assert_error(post(client, free["id"], headers, signed_request(client, account, headers, free["id"])),
                 409, "sponsorship_off")


def test_staff_routes_are_scoped_to_the_municipality_and_refused_cross_origin(client, app, town):
    from backend.db.models_chain import Municipality

    path = f"/staff/municipalities/{town['mid']}/sponsorship"
    with app.state.services.session_factory() as db:
        elsewhere = Municipality(slug="other-town", name_ja="別の町", name_en="Another town")
        db.add(elsewhere)
        db.commit()
        elsewhere_id = elsewhere.id
    other = staff_headers(client, app, "other-town-admin", elsewhere_id, "admin")  # an admin, of another town
    assert client.get(path, headers=other).status_code == 403
    assert client.put(path, headers=other, json={"enabled": True, "daily_budget_wei": 1, "monthly_budget_wei": 1,
                                                 "per_person_per_day": 1, "per_address_per_day": 1}).status_code == 403
    viewer = staff_headers(client, app, "sponsor-viewer", town["mid"], "viewer")
    assert client.get(path, headers=viewer).status_code == 200
    assert client.put(path, headers=viewer, json={"enabled": True, "daily_budget_wei": 1, "monthly_budget_wei": 1,
                                                  "per_person_per_day": 1, "per_address_per_day": 1}).status_code == 403
    # A staff cookie session, from another origin: refused before the handler.
    client.cookies.clear()
    client.post("/staff/login", json={"login": "admin", "password": __import__(
        "tests.backend.perks_setup", fromlist=["STAFF_PASSWORD"]).STAFF_PASSWORD})
    assert_error(client.put(path, headers={"Origin": EVIL}, json={}), 403, "cross_origin_refused")
    bad = client.put(path, headers=town["staff"], json={"enabled": True, "daily_budget_wei": -1,
                                                        "monthly_budget_wei": 1, "per_person_per_day": 1,
                                                        "per_address_per_day": 1})
    assert_error(bad, 422, "invalid_request")


def test_without_a_relayer_key_sponsored_claims_answer_503(client, app, town, chain_with_collection):
    app.state.services.relayer = None
    campaign = create(client, town, chain_with_collection)
    account, headers = resident_headers(client)
    assert_error(post(client, campaign["id"], headers, signed_request(client, account, headers, campaign["id"])),
                 503, "sponsorship_unavailable")


def test_a_policy_for_a_municipality_that_does_not_exist_is_404(client, town):
    """A superuser may name any id: an unknown one is refused by name, not a 500 from the foreign key."""
    r = client.put("/staff/municipalities/999999/sponsorship", headers=town["staff"], json={
        "enabled": True, "daily_budget_wei": 1, "monthly_budget_wei": 1, "per_person_per_day": 1,
        "per_address_per_day": 1})
    assert r.status_code == 404 and r.json()["code"] == "municipality_not_found", r.text
