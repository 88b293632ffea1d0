"""Premium on a real chain: automatic and queued grants change tier and expiry on chain (and in the index),
renewal extends a year, a lapse falls back to basic, and the refusals: no identity, a minor without consent,
too few activities, a fourth municipality for one person (judged by nullifier, not wallet)."""

from __future__ import annotations

import csv
import io
import time

from sqlalchemy import select

from tests.backend.access_setup import assert_error
from backend.cards import card_by_token
from backend.db.models_residency import PremiumGrant
from backend.residency.kpis import checkins_per_activity_day, premium_count, renewals
from backend.residency.premium import counted, run_renewals
from backend.residency.programme import DAY
from tests.backend.residency_setup import Holder, Staff, ids_of, issue_card, settings, towns  # noqa: F401

YEAR = 365 * DAY


def three_activities(staff: Staff, town: int) -> list[int]:
    return [staff.activity(town, title=f"活動{i}") for i in range(3)]


def premium_ready(client, app, towns, sync_index, city: int = 0, subject: str | None = None,
                  birthdate: str = "1990-04-01"):
    """A verified holder with a basic card of `city` and the staff session; returns (holder, token, town, col)."""
    holder = Holder(client, app, towns.chain)
    if subject is not None:
        assert holder.verify(subject, birthdate).status_code == 200
    token_id = issue_card(towns.cities[city], holder, sync_index)
    town, collection_id = ids_of(app, towns.cities[city])
    return holder, token_id, town, collection_id


def test_three_check_ins_make_the_card_premium_on_chain(client, app, towns, sync_index):
    holder, token_id, town, collection_id = premium_ready(client, app, towns, sync_index, subject="auto-1")
    staff = Staff(client, app)
    first, second, third = three_activities(staff, town)
    assert holder.scan(first).json()["progress"]["summary_en"] == "1 of 3 activities this year"
    assert holder.scan(second).json()["progress"]["status"] == "basic"
    before = time.time()
    response = holder.scan(third)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["premium"]["status"] == "active" and len(body["premium"]["tx_hashes"]) == 2
    on_chain = towns.cities[0].card_on_chain(token_id)
    assert on_chain["tier"] == 1
    assert before + YEAR - 5 <= on_chain["expires_at"] <= time.time() + YEAR + 5
    assert body["progress"]["status"] == "premium" and body["progress"]["premium_until"] == on_chain["expires_at"]
    sync_index()
    with app.state.services.session_factory() as db:
        card = card_by_token(db, collection_id, token_id)
        assert (card.tier, card.expires_at) == (1, on_chain["expires_at"])
        assert premium_count(db, town) == 1
        per_day = checkins_per_activity_day(db, town)
        assert sorted(r["activity_id"] for r in per_day) == [first, second, third]
        assert all(r["checkins"] == 1 for r in per_day)
    assert_error(client.post("/me/residency/premium", json={"collection_id": collection_id, "token_id": token_id},
                             headers=holder.headers), 409, "already_premium")


def test_queue_mode_waits_for_staff_then_goes_on_chain(client, app, towns, sync_index):
    holder, token_id, town, collection_id = premium_ready(client, app, towns, sync_index, city=1, subject="queue-1")
    staff = Staff(client, app)
    staff.programme(town, premium_mode="queue")
    before = staff_kpis(client, staff, town)
    for activity in three_activities(staff, town):
        body = holder.scan(activity).json()
    assert body["premium"]["status"] == "pending"
    waiting = staff_kpis(client, staff, town)
    assert changes(before, waiting) == {"checkins_30d": 3, "checkins_365d": 3, "premium_waiting": 1}
    assert body["progress"]["status"] == "pending"
    assert towns.cities[1].card_on_chain(token_id)["tier"] == 0
    queue = client.get(f"/staff/municipalities/{town}/premium/queue", headers=staff.headers).json()
    assert [(q["token_id"], q["checkins_counted"], q["holder"]) for q in queue] == [(token_id, 3, holder.address)]
    assert_error(client.post("/me/residency/premium", json={"collection_id": collection_id, "token_id": token_id},
                             headers=holder.headers), 409, "already_pending")
    approved = client.post(f"/staff/premium/{queue[0]['grant_id']}/approve", headers=staff.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active"
    assert towns.cities[1].card_on_chain(token_id)["tier"] == 1
    assert client.get(f"/staff/municipalities/{town}/premium/queue", headers=staff.headers).json() == []
    assert_error(client.post(f"/staff/premium/{queue[0]['grant_id']}/reject", headers=staff.headers), 409,
                 "grant_not_pending")
    # The staff KPIs (and the CSV for the council) count the new premium card and person.
    approved_kpis = staff_kpis(client, staff, town)
    assert changes(waiting, approved_kpis) == {"premium_cards": 1, "premium_people": 1, "premium_waiting": -1}
    report = client.get(f"/staff/municipalities/{town}/kpis.csv", headers=staff.headers)
    rows = {row[2]: row for row in csv.reader(io.StringIO(report.content.decode("utf-8-sig")))}
    assert rows["premium_cards"][:2] == ["プレミアムのカード枚数", str(approved_kpis["premium_cards"])]
    assert rows["checkins_365d"][1] == str(approved_kpis["checkins_365d"])


def staff_kpis(client, staff: Staff, town: int) -> dict:
    response = client.get(f"/staff/municipalities/{town}/kpis", headers=staff.headers)
    assert response.status_code == 200, response.text
    return response.json()["programme"]


def changes(before: dict, after: dict) -> dict:
    return {key: after[key] - before[key] for key in after
            if isinstance(after[key], int) and after[key] != before[key]}


def test_staff_can_reject_a_queued_request(client, app, towns, sync_index):
    holder, token_id, town, _ = premium_ready(client, app, towns, sync_index, city=1, subject="queue-2")
    staff = Staff(client, app)
    staff.programme(town, premium_mode="queue")
    for activity in three_activities(staff, town):
        holder.scan(activity)
    grant = client.get(f"/staff/municipalities/{town}/premium/queue", headers=staff.headers).json()[0]["grant_id"]
    rejected = client.post(f"/staff/premium/{grant}/reject", json={"note": "not a designated volunteer"},
                           headers=staff.headers)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert towns.cities[1].card_on_chain(token_id)["tier"] == 0


def test_premium_needs_a_verified_identity(client, app, towns, sync_index):
    holder, token_id, town, collection_id = premium_ready(client, app, towns, sync_index)  # not verified
    staff = Staff(client, app)
    for activity in three_activities(staff, town):
        body = holder.scan(activity).json()
    assert body["premium"] is None and body["progress"]["status"] == "eligible"
    assert [s["code"] for s in body["progress"]["next_steps"]] == ["verify_identity"]
    assert_error(client.post("/me/residency/premium", json={"collection_id": collection_id, "token_id": token_id},
                             headers=holder.headers), 403, "identity_required")
    assert holder.verify("late-verifier").status_code == 200
    response = client.post("/me/residency/premium", json={"collection_id": collection_id, "token_id": token_id},
                           headers=holder.headers)
    assert response.status_code == 200 and response.json()["status"] == "active"


def test_a_minor_without_guardian_consent_is_refused(client, app, towns, sync_index):
    kid_birthdate = time.strftime("%Y-01-01", time.gmtime(time.time() - 12 * YEAR))
    holder, token_id, town, collection_id = premium_ready(client, app, towns, sync_index, subject="minor-1",
                                                          birthdate=kid_birthdate)
    staff = Staff(client, app)
    for activity in three_activities(staff, town):
        body = holder.scan(activity).json()
    assert body["premium"] is None and body["premium_refusal"]["code"] == "guardian_consent_required"
    body = assert_error(client.post("/me/residency/premium", json={"collection_id": collection_id,
                                                                   "token_id": token_id}, headers=holder.headers),
                        403, "guardian_consent_required")
    assert "guardian" in body["message_en"] and "保護者" in body["message_ja"]
    assert holder.consent("minor-1", guardian="parent-of-minor-1").status_code == 200
    response = client.post("/me/residency/premium", json={"collection_id": collection_id, "token_id": token_id},
                           headers=holder.headers)
    assert response.status_code == 200 and response.json()["status"] == "active"


def test_too_few_activities_are_refused_with_the_count(client, app, towns, sync_index):
    holder, token_id, town, collection_id = premium_ready(client, app, towns, sync_index, subject="few-1")
    holder.scan(Staff(client, app).activity(town))
    body = assert_error(client.post("/me/residency/premium", json={"collection_id": collection_id,
                                                                   "token_id": token_id}, headers=holder.headers),
                        409, "not_enough_activities")
    assert "1 of 3" in body["message_en"] and body["checkins"] == 1


def test_one_person_holds_premium_in_at_most_three_municipalities(client, app, towns, sync_index):
    """Four towns, four wallets, one person: the fourth premium is refused (judged by nullifier)."""
    staff = Staff(client, app)
    outcomes = []
    for city in range(4):
        holder, token_id, town, collection_id = premium_ready(client, app, towns, sync_index, city=city,
                                                              subject="cap-person")
        staff.programme(town, required_checkins=1, premium_mode="automatic")
        response = holder.scan(staff.activity(town))
        assert response.status_code == 201, response.text
        outcomes.append((response.json()["premium"], response.json()["premium_refusal"], token_id))
    assert [o[0]["status"] for o in outcomes[:3]] == ["active"] * 3
    assert outcomes[3][0] is None and outcomes[3][1]["code"] == "premium_cap_reached"
    assert "3 municipalities" in outcomes[3][1]["message_en"] and "3 団体" in outcomes[3][1]["message_ja"]
    assert towns.cities[3].card_on_chain(outcomes[3][2])["tier"] == 0
    # another person is not affected by the first one's cap
    other, _, town, _ = premium_ready(client, app, towns, sync_index, city=3, subject="other-person")
    response = other.scan(staff.activity(town))
    assert response.json()["premium"]["status"] == "active"


def test_a_prefecture_does_not_count_while_one_of_its_cities_is_held(client, app, towns, sync_index):
    staff = Staff(client, app)
    mine, _ = ids_of(app, towns.cities[0])
    prefecture, _ = ids_of(app, towns.prefecture)
    kaga, _ = ids_of(app, towns.cities[1])
    yamakoshi, _ = ids_of(app, towns.cities[2])
    staff.programme(prefecture, kind="prefecture")
    asked = client.post(f"/staff/municipalities/{mine}/prefecture-links", json={"prefecture_id": prefecture},
                        headers=staff.headers)
    assert asked.status_code == 201, asked.text
    with app.state.services.session_factory() as db:  # a link the prefecture has not approved spares nothing
        assert counted(db, {mine, prefecture, kaga}) == {mine, prefecture, kaga}
    assert client.post(f"/staff/prefecture-links/{asked.json()['id']}/approve",
                       headers=staff.headers).status_code == 200
    with app.state.services.session_factory() as db:
        assert counted(db, {mine, prefecture, kaga}) == {mine, kaga}
        assert counted(db, {prefecture, kaga, yamakoshi}) == {prefecture, kaga, yamakoshi}


def test_renewal_extends_a_year_and_a_lapse_falls_back_to_basic(client, app, towns, sync_index, settings):
    holder, token_id, town, collection_id = premium_ready(client, app, towns, sync_index, city=2, subject="renew-1")
    staff = Staff(client, app)
    for activity in three_activities(staff, town):
        body = holder.scan(activity).json()
    valid_until = body["premium"]["valid_until"]
    sessions, issuer = app.state.services.session_factory, app.state.services.issuer
    # Not due yet: nothing happens.
    assert run_renewals(sessions, issuer, settings, now=time.time()).as_dict()["renewed"] == []
    # 10 days before the end the activities (355 days old) still count: renewed from the old end.
    report = run_renewals(sessions, issuer, settings, now=valid_until - 10 * DAY)
    assert len(report.renewed) == 1, report
    assert towns.cities[2].card_on_chain(token_id)["expires_at"] == valid_until + YEAR
    with sessions() as db:
        grants = db.scalars(select(PremiumGrant).where(PremiumGrant.municipality_id == town))
        statuses = {g.kind: g.status for g in grants}
        assert statuses == {"new": "renewed", "renewal": "active"}
        assert renewals(db, town)["renewed"] == 1
    # A year later no activity counts any more: at the end the card lapses to basic, with no expiry.
    report = run_renewals(sessions, issuer, settings, now=valid_until + YEAR + 1)
    assert len(report.lapsed) == 1, report
    on_chain = towns.cities[2].card_on_chain(token_id)
    assert (on_chain["tier"], on_chain["expires_at"]) == (0, 0)
    sync_index()
    with sessions() as db:
        card = card_by_token(db, collection_id, token_id)
        assert (card.tier, card.expires_at, card.status) == (0, 0, "active")
        assert renewals(db, town)["lapsed"] == 1
    assert run_renewals(sessions, issuer, settings, now=valid_until + YEAR + 2).as_dict() == {
        "renewed": [], "queued": [], "lapsed": [], "resent": [], "failed": []}


def test_staff_run_the_renewal_job_now(client, app, towns, sync_index):
    town, _ = ids_of(app, towns.cities[0])
    staff = Staff(client, app)
    response = client.post(f"/staff/municipalities/{town}/premium/renewals", headers=staff.headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"renewed", "queued", "lapsed", "resent", "failed"}
    kpis = client.get(f"/staff/municipalities/{town}/residency/kpis", headers=staff.headers)
    assert kpis.status_code == 200 and "premium_cards" in kpis.json()


def test_progress_lists_each_card_with_next_steps(client, app, towns, sync_index):
    holder, token_id, town, _ = premium_ready(client, app, towns, sync_index, city=3)
    [entry] = holder.progress()
    assert (entry["token_id"], entry["status"], entry["checkins"], entry["required"]) == (token_id, "basic", 0, 3)
    assert [s["code"] for s in entry["next_steps"]] == ["verify_identity", "join_activities"]
    assert "3 more" in entry["next_steps"][1]["message_en"]
