"""Staff and partner sides of the residency programme: roles per municipality, partner pattern ②, queued
renewals, the cap under concurrent requests, the periodic job's command line, and the KPIs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

from sqlalchemy import select

from tests.backend.access_setup import assert_error
from backend.db.models_residency import PremiumGrant
from backend.residency.premium import request_premium, run_renewals
from backend.residency.programme import DAY
from tests.backend.localchain import ROOT
from tests.backend.perks_setup import staff_headers
from tests.backend.residency_setup import Holder, Staff, ids_of, issue_card, settings, today, towns  # noqa: F401


def test_staff_of_another_town_cannot_touch_this_towns_activities(client, app, towns):
    mine, _ = ids_of(app, towns.cities[0])
    kaga, _ = ids_of(app, towns.cities[1])
    activity = Staff(client, app).activity(mine)
    kaga_staff = staff_headers(client, app, "kaga-staff", municipality_id=kaga, role="staff")
    assert_error(client.get(f"/staff/activities/{activity}/qr", headers=kaga_staff), 403, "role_required")
    assert_error(client.patch(f"/staff/activities/{activity}", json={"active": False}, headers=kaga_staff), 403,
                 "role_required")
    assert_error(client.post(f"/staff/municipalities/{mine}/activities", headers=kaga_staff,
                             json={"title_ja": "x", "title_en": "x", "days": [today()]}), 403, "role_required")
    viewer = staff_headers(client, app, "mine-viewer", municipality_id=mine, role="viewer")
    assert client.get(f"/staff/municipalities/{mine}/activities", headers=viewer).status_code == 200
    assert_error(client.put(f"/staff/municipalities/{mine}/residency", json={"premium_mode": "queue"},
                            headers=viewer), 403, "role_required")
    client.cookies.clear()  # the logins above left a staff cookie
    assert_error(client.get(f"/staff/activities/{activity}/qr"), 401, "not_signed_in")


def test_a_trusted_partner_designates_its_own_activities(client, app, towns, sync_index):
    mine, _ = ids_of(app, towns.cities[0])
    staff = Staff(client, app)
    created = client.post(f"/staff/municipalities/{mine}/partners", headers=staff.headers,
                          json={"name_ja": "秋芳町自治会", "name_en": "Shuho neighbourhood association",
                                "auto_designate": True}).json()
    key = {"X-Partner-Key": created["key"]}
    activity = client.post("/partner/activities", headers=key,
                           json={"title_ja": "盆踊り大会", "title_en": "Bon dance", "days": [today()]}).json()
    assert activity["designated"] is True and activity["organiser"] == "秋芳町自治会"
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    qr = client.get(f"/partner/activities/{activity['id']}/qr", headers=key).json()
    assert client.post("/me/checkins", json={"token": qr["token"]}, headers=holder.headers).status_code == 201
    other = client.post(f"/staff/municipalities/{mine}/partners", headers=staff.headers,
                        json={"name_ja": "別団体", "name_en": "Other"}).json()
    assert_error(client.get(f"/partner/activities/{activity['id']}/qr", headers={"X-Partner-Key": other["key"]}),
                 403, "not_your_activity")
    listed = client.get(f"/staff/municipalities/{mine}/partners", headers=staff.headers).json()
    assert {p["name_en"] for p in listed} == {"Shuho neighbourhood association", "Other"}
    assert all("key" not in p for p in listed)


def test_queued_renewal_waits_for_staff(client, app, towns, sync_index, settings):
    holder = Holder(client, app, towns.chain)
    assert holder.verify("queued-renewal").status_code == 200
    token_id = issue_card(towns.cities[1], holder, sync_index)
    kaga, _ = ids_of(app, towns.cities[1])
    staff = Staff(client, app)
    for i in range(3):
        holder.scan(staff.activity(kaga, title=f"活動{i}"))
    staff.programme(kaga, premium_mode="queue")
    sessions, issuer = app.state.services.session_factory, app.state.services.issuer
    with sessions() as db:
        grant = db.scalar(select(PremiumGrant).where(PremiumGrant.municipality_id == kaga))
        valid_until = grant.valid_until
    report = run_renewals(sessions, issuer, settings, now=valid_until - 5 * DAY)
    assert report.renewed == [] and len(report.queued) == 1
    queue = client.get(f"/staff/municipalities/{kaga}/premium/queue", headers=staff.headers).json()
    assert [(q["kind"], q["token_id"]) for q in queue] == [("renewal", token_id)]
    assert run_renewals(sessions, issuer, settings, now=valid_until - 4 * DAY).queued == []  # not twice
    approved = client.post(f"/staff/premium/{queue[0]['grant_id']}/approve", headers=staff.headers)
    assert approved.status_code == 200, approved.text
    assert towns.cities[1].card_on_chain(token_id)["expires_at"] == valid_until + 365 * DAY


def test_concurrent_requests_cannot_exceed_the_cap(client, app, towns, sync_index, settings):
    """Two wallets of one person ask at the same moment for a 3rd and a 4th municipality: one wins."""
    staff = Staff(client, app)
    cards = []
    for city in range(4):
        holder = Holder(client, app, towns.chain)
        assert holder.verify("race-person").status_code == 200
        issue_card(towns.cities[city], holder, sync_index)
        town, _ = ids_of(app, towns.cities[city])
        staff.programme(town, required_checkins=1, premium_mode="queue")
        body = holder.scan(staff.activity(town)).json()
        if city < 3:
            assert body["premium"]["status"] == "pending"
        else:  # pending requests count toward the cap too
            assert body["premium"] is None and body["premium_refusal"]["code"] == "premium_cap_reached"
        cards.append(holder)
    with app.state.services.session_factory() as db:
        grants = db.scalars(select(PremiumGrant).order_by(PremiumGrant.id)).all()
    assert [g.status for g in grants] == ["pending"] * 3
    for grant in grants[1:]:
        assert client.post(f"/staff/premium/{grant.id}/reject", headers=staff.headers).status_code == 200
    from backend.cards import cards_of_owner

    with app.state.services.session_factory() as db:
        card_ids = {i: cards_of_owner(db, cards[i].address)[0].id for i in (1, 2, 3)}
    # Held: city 0 (pending). Free slots: 2. Three requests at once from three wallets: exactly two succeed.
    results, barrier = {}, threading.Barrier(3)

    def ask(i):
        barrier.wait()
        try:
            results[i] = request_premium(app.state.services.session_factory, None, settings, cards[i].address,
                                         card_ids[i]).status
        except Exception as exc:  # noqa: BLE001
            results[i] = getattr(exc, "code", repr(exc))

    threads = [threading.Thread(target=ask, args=(i,)) for i in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values()) == ["pending", "pending", "premium_cap_reached"], results


def test_the_renewal_job_runs_from_the_command_line(settings, migrated_db_url, towns):
    env = {"RESIDENT_DATABASE_URL": migrated_db_url, "RESIDENT_RPC_URL": settings.rpc_url,
           "RESIDENT_DATA_DIR": str(settings.data_dir), "RESIDENT_ENVIRONMENT": "test",
           "RESIDENT_ISSUER_KEY": settings.issuer_key.get_secret_value(), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "backend.residency.jobs", "renewals"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"renewed": [], "queued": [], "lapsed": [], "resent": [], "failed": []}
    env.pop("RESIDENT_ISSUER_KEY")
    refused = subprocess.run([sys.executable, "-m", "backend.residency.jobs", "renewals"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "RESIDENT_ISSUER_KEY" in refused.stderr


def test_kpis_count_check_ins_premium_and_registrations(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    assert holder.verify("kpi-person").status_code == 200
    nishikawa, _ = ids_of(app, towns.cities[3])
    registered = client.post("/me/residency/register", json={"municipality_id": nishikawa}, headers=holder.headers)
    assert registered.status_code == 201, registered.text
    sync_index()
    staff = Staff(client, app)
    activities = [staff.activity(nishikawa, title=f"活動{i}") for i in range(3)]
    for activity in activities:
        assert holder.scan(activity).status_code == 201
    kpis = client.get(f"/staff/municipalities/{nishikawa}/residency/kpis", headers=staff.headers).json()
    assert kpis["checkins_total"] == 3 and kpis["premium_cards"] == 1 and kpis["premium_people"] == 1
    assert kpis["registrations"] == {"direct": 1, "via_city": 0}
    assert kpis["renewals"]["new_premium"] == 1
    per_day = [(r["activity_id"], r["checkins"]) for r in kpis["checkins_per_activity_day"]]
    assert per_day == [(a, 1) for a in activities]


def test_premium_renewals_run_as_a_periodic_job(db_sessions, settings):
    from backend.chain.issuer import make_issuer
    from backend.workers.jobs import JobRunner
    from backend.residency.jobs import premium_renewal_job

    job = premium_renewal_job()
    assert job.every == 3600
    runner = JobRunner(settings, db_sessions, make_issuer(settings), [job])
    [outcome] = runner.tick()
    assert outcome.ran and outcome.error == "" and outcome.result == "renewed 0, queued 0, lapsed 0, resent 0"
    assert runner.tick() == [type(outcome)("premium_renewals", False)]  # once per period
    no_key = JobRunner(settings, db_sessions, None, [job])
    assert no_key.run_now(job).result == "skipped: RESIDENT_ISSUER_KEY is not set"
