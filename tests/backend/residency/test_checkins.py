"""Activities and rotating-QR check-ins: recorded per card and Japan day; every refusal says why."""

from __future__ import annotations

import time

from tests.backend.access_setup import assert_error
from backend.api.handlers import status_of
from backend.db.session import begin_immediate
from backend.residency.checkins import PERIOD, CheckInError, RotatingCode, check_in, count_checkins
from tests.backend.residency_setup import Holder, Staff, day_offset, ids_of, issue_card, settings, today, towns  # noqa: F401


def test_rotating_code_changes_every_period_and_accepts_the_previous_window():
    codes = RotatingCode("a-secret-of-this-deployment-000000")
    t = 1_800_000_000.0
    now, later = codes.current(7, t), codes.current(7, t + PERIOD)
    assert now.token != later.token and now.code != later.code
    assert codes.verify_token(now.token, t + PERIOD) == 7  # the previous window still counts
    try:
        codes.verify_token(now.token, t + 2 * PERIOD)
        raise AssertionError("an expired code was accepted")
    except CheckInError as exc:
        assert exc.code == "qr_expired" and status_of(exc) == 410
    other = RotatingCode("another-deployment-secret-00000000")
    try:
        other.verify_token(now.token, t)
        raise AssertionError("a code of another key was accepted")
    except CheckInError as exc:
        assert exc.code == "qr_invalid"
    codes.verify_code(7, now.code.lower().replace("-", " "), t)  # typed by hand, sloppily


def test_a_check_in_is_recorded_for_the_card(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    token_id = issue_card(towns.cities[0], holder, sync_index)
    town, collection_id = ids_of(app, towns.cities[0])
    activity = Staff(client, app).activity(town)
    response = holder.scan(activity)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["collection_id"], body["token_id"], body["day"]) == (collection_id, token_id, today())
    assert body["progress"]["checkins"] == 1 and body["progress"]["summary_en"] == "1 of 3 activities this year"
    assert body["progress"]["summary_ja"] == "今年の活動 3 回中 1 回"
    assert body["progress"]["status"] == "basic" and body["premium"] is None


def test_the_qr_endpoint_gives_the_current_code_and_an_svg(client, app, towns, sync_index):
    town, _ = ids_of(app, towns.cities[0])
    staff = Staff(client, app)
    activity = staff.activity(town)
    response = client.get(f"/staff/activities/{activity}/qr", headers=staff.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"].startswith(f"ra1.{activity}.") and body["svg"].startswith("<svg")
    assert 0 < body["seconds_left"] <= PERIOD and len(body["code"]) == 11


def test_an_expired_qr_is_refused(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    activity = Staff(client, app).activity(ids_of(app, towns.cities[0])[0])
    assert_error(holder.scan(activity, now=time.time() - 3 * PERIOD), 410, "qr_expired")


def test_a_forged_qr_is_refused(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    activity = Staff(client, app).activity(ids_of(app, towns.cities[0])[0])
    token = app.state.services.activity_codes.current(activity).token
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert_error(client.post("/me/checkins", json={"token": forged}, headers=holder.headers), 403, "qr_invalid")
    assert_error(client.post("/me/checkins", json={"token": "hello"}, headers=holder.headers), 400, "qr_malformed")


def test_a_typed_code_works_and_a_wrong_one_is_refused(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    activity = Staff(client, app).activity(ids_of(app, towns.cities[0])[0])
    assert_error(client.post("/me/checkins", json={"activity_id": activity, "code": "00000-00000"},
                             headers=holder.headers), 403, "code_wrong_or_expired")
    code = app.state.services.activity_codes.current(activity).code
    response = client.post("/me/checkins", json={"activity_id": activity, "code": code}, headers=holder.headers)
    assert response.status_code == 201, response.text


def test_twice_the_same_activity_and_day_is_refused(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    activity = Staff(client, app).activity(ids_of(app, towns.cities[0])[0])
    assert holder.scan(activity).status_code == 201
    body = assert_error(holder.scan(activity), 409, "already_checked_in")
    assert "already" in body["message_en"] and "チェックイン済み" in body["message_ja"]


def test_another_towns_activity_is_refused(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)  # a card of Mine City
    kaga = Staff(client, app).activity(ids_of(app, towns.cities[1])[0])  # an activity of Kaga City
    body = assert_error(holder.scan(kaga), 403, "activity_other_municipality")
    assert "Kaga City" in body["message_en"] and "加賀市" in body["message_ja"]


def test_an_activity_on_another_day_is_refused(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    activity = Staff(client, app).activity(ids_of(app, towns.cities[0])[0], days=[day_offset(2)])
    assert_error(holder.scan(activity), 409, "activity_not_today")


def test_without_a_valid_card_a_check_in_is_refused(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    activity = Staff(client, app).activity(ids_of(app, towns.cities[0])[0])
    assert_error(holder.scan(activity), 403, "no_valid_card")
    token_id = issue_card(towns.cities[0], holder, sync_index)
    towns.cities[0].revoke(token_id)
    sync_index()
    assert_error(holder.scan(activity), 403, "no_valid_card")


def test_consecutive_days_count_one_per_day(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    activity = Staff(client, app).activity(ids_of(app, towns.cities[0])[0],
                                           days=[day_offset(0), day_offset(1), day_offset(2)])
    codes = app.state.services.activity_codes
    card_id = None
    for day in range(3):
        at = time.time() + day * 86_400
        with app.state.services.session_factory() as db:
            begin_immediate(db)  # as the route's write_transaction: the app's loops write too (SQLite)
            result = check_in(db, codes, holder.address, token=codes.current(activity, at).token, now=at)
            db.commit()
            card_id = result.card.id
        with app.state.services.session_factory() as db:  # the same day again: refused
            begin_immediate(db)
            try:
                check_in(db, codes, holder.address, token=codes.current(activity, at + 60).token, now=at + 60)
                raise AssertionError("a second check-in on the same day was accepted")
            except CheckInError as exc:
                assert exc.code == "already_checked_in"
    with app.state.services.session_factory() as db:
        assert count_checkins(db, card_id, int(time.time()) - 86_400) == 3


def test_a_partner_activity_counts_only_once_designated(client, app, towns, sync_index):
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    town, _ = ids_of(app, towns.cities[0])
    staff = Staff(client, app)
    created = client.post(f"/staff/municipalities/{town}/partners", headers=staff.headers,
                          json={"name_ja": "美祢観光協会", "name_en": "Mine Tourism Association"})
    assert created.status_code == 201, created.text
    key = {"X-Partner-Key": created.json()["key"]}
    proposed = client.post("/partner/activities", headers=key,
                           json={"title_ja": "棚田の保全", "title_en": "Terraced field care", "days": [today()]})
    assert proposed.status_code == 201 and proposed.json()["designated"] is False
    activity = proposed.json()["id"]
    qr = client.get(f"/partner/activities/{activity}/qr", headers=key)
    assert qr.status_code == 200
    assert_error(client.post("/me/checkins", json={"token": qr.json()["token"]}, headers=holder.headers), 409,
                 "activity_not_designated")
    public = client.get("/residency/activities", params={"municipality_id": town}).json()
    assert activity not in [a["id"] for a in public]  # proposed, not designated: not listed for holders
    designated = client.patch(f"/staff/activities/{activity}", json={"designated": True}, headers=staff.headers)
    assert designated.status_code == 200 and designated.json()["designated"] is True
    assert holder.scan(activity).status_code == 201
    assert_error(client.get("/partner/activities", headers={"X-Partner-Key": "rpk_wrong"}), 401,
                 "partner_key_invalid")


def test_bad_activity_days_are_a_422_naming_the_day(client, app, towns):
    town, _ = ids_of(app, towns.cities[0])
    staff = Staff(client, app)
    body = assert_error(client.post(f"/staff/municipalities/{town}/activities", headers=staff.headers,
                                    json={"title_ja": "x", "title_en": "x", "days": ["2026-02-30"]}), 422,
                        "activity_day_invalid")
    assert "2026-02-30" in body["message_en"]


def test_a_typed_code_in_any_script_is_a_refusal_not_a_crash(client, app, towns, sync_index):
    # Found by schemathesis: non-ASCII text reached hmac.compare_digest on str, which raises TypeError (a 500).
    holder = Holder(client, app, towns.chain)
    issue_card(towns.cities[0], holder, sync_index)
    activity = Staff(client, app).activity(ids_of(app, towns.cities[0])[0])
    for typed in ("4ºSì\x16ã\x17\x9ee³", "ＡＢＣＤＥ-１２３４５", "確認"):
        assert_error(client.post("/me/checkins", json={"activity_id": activity, "code": typed},
                                 headers=holder.headers), 403, "code_wrong_or_expired")
    # Unicode digits match the token's \d: the activity id and window parse, the code then does not match.
    assert_error(client.post("/me/checkins", json={"token": f"ra1.{activity}.١٢٣.ABCDEFGHJK"},
                             headers=holder.headers), 403, "qr_invalid")
