"""One person, one nullifier, in every flow: identity-verified registration, a voucher claimed on chain, the
premium cap and per-person polls all know the person by the same value, whichever wallet they use."""

from __future__ import annotations

import secrets
import time

import pytest
from sqlalchemy import select

from backend.civic.identity import verified_nullifier
from backend.db.models_campaigns import CampaignVoucher
from backend.db.models_residency import Registration
from backend.identity.nullifier import onchain_nullifier
from backend.identity.verifier import identity_of
from backend.residency.premium import municipalities_held
from tests.backend.access_setup import assert_error
from tests.backend.campaign_setup import deploy_minter, send_as
from tests.backend.residency_setup import Holder, Staff, ids_of, issue_card, settings, towns  # noqa: F401

MINE, KAGA, YAMAKOSHI, NISHIKAWA = range(4)


@pytest.fixture(scope="module")
def minters(towns):
    """Voucher minters for Yamakoshi and Nishikawa (admin and voucher signer: the backend's issuer key)."""
    return {city: deploy_minter(towns.chain, towns.cities[city]) for city in (YAMAKOSHI, NISHIKAWA)}


def voucher_campaign(client, app, staff: Staff, towns, city: int, tier: int) -> tuple[int, dict]:
    town, _ = ids_of(app, towns.cities[city])
    now = towns.chain.now()
    response = client.post(f"/staff/municipalities/{town}/campaigns", headers=staff.headers, json={
        "collection": towns.cities[city].record.symbol, "name_ja": "本人確認つき募集", "name_en": "One per person",
        "starts_at": now - 60, "ends_at": now + 3600, "supply": 10, "wallet_limit": 1, "tier": tier,
        "validity_days": 365, "voucher": True})
    assert response.status_code == 201, response.text
    return town, response.json()


def sign_voucher(client, staff: Staff, town: int, campaign: dict, recipient: str):
    return client.post(f"/staff/municipalities/{town}/campaigns/{campaign['id']}/vouchers", headers=staff.headers,
                       json={"recipient": recipient})


def premium_by_check_in(app, staff: Staff, holder: Holder, town: int) -> dict:
    staff.programme(town, required_checkins=1, premium_mode="automatic")
    response = holder.scan(staff.activity(town))
    assert response.status_code == 201, response.text
    return response.json()["premium"] or response.json()["premium_refusal"]


def test_voucher_and_registration_give_one_nullifier_and_the_cap_counts_both(client, app, towns, minters,
                                                                               sync_index):
    staff = Staff(client, app)
    subject = f"one-person-{secrets.token_hex(4)}"  # the chain outlives the database: a new person each run
    at_home, on_the_road = Holder(client, app, towns.chain), Holder(client, app, towns.chain)
    assert at_home.verify(subject).status_code == 200
    assert on_the_road.verify(subject).status_code == 200
    mine, _ = ids_of(app, towns.cities[MINE])

    # Registered with Mine from one wallet: the registration keeps the person's nullifier.
    response = client.post("/me/residency/register", json={"municipality_id": mine, "prefecture_opt_out": True},
                           headers=at_home.headers)
    assert response.status_code == 201, response.text
    with app.state.services.session_factory() as db:
        person = identity_of(db, at_home.address).nullifier
        assert db.scalar(select(Registration.nullifier).where(Registration.municipality_id == mine)) == person

    # A premium voucher of Yamakoshi for the other wallet carries the same person on chain, in the form
    # derived for Yamakoshi's collection (the database's key itself never goes on chain).
    yamakoshi, campaign = voucher_campaign(client, app, staff, towns, YAMAKOSHI, tier=1)
    signed = sign_voucher(client, staff, yamakoshi, campaign, on_the_road.address)
    assert signed.status_code == 201, signed.text
    onchain = onchain_nullifier(person, minters[YAMAKOSHI].chain_id, minters[YAMAKOSHI].collection)
    assert signed.json()["voucher"]["voucher"]["nullifier"] == "0x" + onchain.hex() != "0x" + person
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=on_the_road.headers).json()
    assert offer["eligible"] is True, offer
    send_as(towns.chain, on_the_road.account, offer["tx"])
    sync_index()
    with app.state.services.session_factory() as db:
        assert db.scalar(select(CampaignVoucher.nullifier)) == person
        assert verified_nullifier(db, on_the_road.address) == person == verified_nullifier(db, at_home.address)
    minter = towns.chain.web3.eth.contract(address=minters[YAMAKOSHI].address, abi=minters[YAMAKOSHI].abi)
    assert minter.functions.nullifierUsed(onchain).call() is True

    # Premium by check-ins in Mine and Kaga: with the voucher's Yamakoshi card that makes three municipalities.
    assert premium_by_check_in(app, staff, at_home, mine)["status"] == "active"  # its registration card
    issue_card(towns.cities[KAGA], on_the_road, sync_index)
    kaga, _ = ids_of(app, towns.cities[KAGA])
    assert premium_by_check_in(app, staff, on_the_road, kaga)["status"] == "active"
    with app.state.services.session_factory() as db:
        assert municipalities_held(db, person, time.time()) == {mine, kaga, yamakoshi}

    # A fourth municipality is refused, whether by check-ins (a third wallet) or by a premium voucher.
    third = Holder(client, app, towns.chain)
    assert third.verify(subject).status_code == 200
    issue_card(towns.cities[NISHIKAWA], third, sync_index)
    nishikawa, _ = ids_of(app, towns.cities[NISHIKAWA])
    assert premium_by_check_in(app, staff, third, nishikawa)["code"] == "premium_cap_reached"
    _, premium_campaign = voucher_campaign(client, app, staff, towns, NISHIKAWA, tier=1)
    fourth = Holder(client, app, towns.chain)
    assert fourth.verify(subject).status_code == 200
    body = assert_error(sign_voucher(client, staff, nishikawa, premium_campaign, fourth.address), 409,
                        "premium_cap_reached")
    assert "山古志村" in body["message_ja"] and "Yamakoshi Village" in body["message_en"]
    with app.state.services.session_factory() as db:
        assert db.scalar(select(CampaignVoucher.id).where(CampaignVoucher.recipient == fourth.address)) is None


def test_a_basic_voucher_does_not_count_toward_the_cap_and_needs_a_verified_wallet(client, app, towns, minters,
                                                                                   sync_index):
    staff = Staff(client, app)
    nishikawa, campaign = voucher_campaign(client, app, staff, towns, NISHIKAWA, tier=0)
    stranger, subject = Holder(client, app, towns.chain), f"basic-voucher-{secrets.token_hex(4)}"
    body = assert_error(sign_voucher(client, staff, nishikawa, campaign, stranger.address), 409,
                        "recipient_not_verified")
    assert "本人確認" in body["message_ja"]
    assert stranger.verify(subject).status_code == 200
    assert sign_voucher(client, staff, nishikawa, campaign, stranger.address).status_code == 201
    with app.state.services.session_factory() as db:
        assert municipalities_held(db, identity_of(db, stranger.address).nullifier, time.time()) == set()
    # the same person with another wallet: refused on chain's terms once the first voucher is claimed
    offer = client.get(f"/me/campaigns/{campaign['id']}/claim", headers=stranger.headers).json()
    send_as(towns.chain, stranger.account, offer["tx"])
    again = Holder(client, app, towns.chain)
    assert again.verify(subject).status_code == 200
    assert_error(sign_voucher(client, staff, nishikawa, campaign, again.address), 409, "voucher_used")
