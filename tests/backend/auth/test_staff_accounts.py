"""Staff accounts made and managed through the API: invitations (one-time link, one-time password, an existing
account), roles, removal and deactivation per municipality (never across), the last admin kept, superusers
untouchable by admins, the own password, and the TOTP second factor."""

import time

import pyotp
import pytest
from sqlalchemy import select

from backend.auth.sealed import unseal
from backend.db.models_access import AuthSession, StaffAccount, StaffInvite
from tests.backend.access_setup import assert_error, bearer
from tests.backend.auth.test_staff import PASSWORD, db, login, make_staff, towns  # noqa: F401 (fixtures)

NEW_PASSWORD = "a brand new passphrase"


def token_of(client, username, password=PASSWORD, **extra):
    client.cookies.clear()
    response = client.post("/staff/login", json={"login": username, "password": password, **extra})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # each call below says who it is by its bearer token
    return response.json()["token"]


def as_(client, token):
    """A tiny client speaking as one staff member."""
    class Speaker:
        def get(self, path):
            return client.get(path, headers=bearer(token))

        def post(self, path, body=None):
            return client.post(path, json=body, headers=bearer(token))

        def patch(self, path, body):
            return client.patch(path, json=body, headers=bearer(token))

        def delete(self, path):
            return client.delete(path, headers=bearer(token))
    return Speaker()


@pytest.fixture
def admins(client, db, towns):
    """An admin of each town (Mine, Kaga), signed in."""
    mine, kaga = towns
    make_staff(db, "mine-admin", [(mine, "admin")])
    make_staff(db, "kaga-admin", [(kaga, "admin")])
    return as_(client, token_of(client, "mine-admin")), as_(client, token_of(client, "kaga-admin"))


def test_an_invitation_link_makes_an_account_with_the_role_once(client, db, towns, admins):
    mine, _ = towns
    mine_admin, _ = admins
    answer = mine_admin.post(f"/staff/municipalities/{mine}/invites", {"role": "staff", "method": "link",
                                                                       "email": "New.Hire@city.example.jp"})
    assert answer.status_code == 201, answer.text
    invited = answer.json()
    assert invited["kind"] == "link" and invited["password"] is None
    token = invited["url"].split("#token=")[1]
    with db() as session:  # only the digest is kept
        row = session.scalars(select(StaffInvite)).one()
        assert token not in row.token_digest and row.expires_at - row.created_at == 7 * 24 * 3600
    offer = client.post("/staff/invites/check", json={"token": token})
    assert offer.status_code == 200, offer.text
    assert offer.json()["role"] == "staff" and offer.json()["name_en"] == "Mine"
    assert offer.json()["email"] == "new.hire@city.example.jp"
    assert_error(client.post("/staff/invites/accept", json={"token": token, "username": "x", "password": PASSWORD}),
                 422, "login_name_invalid")
    assert_error(client.post("/staff/invites/accept", json={"token": token, "username": "hayashi",
                                                            "password": "short"}), 422, "password_too_short")
    accepted = client.post("/staff/invites/accept", json={"token": token, "username": "Hayashi",
                                                          "display_name": "林 花子", "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json() == {"username": "hayashi", "municipality_id": mine, "role": "staff"}
    again = client.post("/staff/invites/accept", json={"token": token, "username": "hayashi2", "password": PASSWORD})
    assert_error(again, 410, "invite_invalid")
    assert_error(client.post("/staff/invites/check", json={"token": token}), 410, "invite_invalid")
    me = as_(client, token_of(client, "new.hire@city.example.jp")).get("/staff/me").json()
    assert me["roles"] == [{"municipality_id": mine, "role": "staff"}] and me["display_name"] == "林 花子"


def test_an_expired_or_unknown_link_gets_one_answer(client, db, towns, admins):
    mine, _ = towns
    url = admins[0].post(f"/staff/municipalities/{mine}/invites", {"role": "viewer", "method": "link"}).json()["url"]
    token = url.split("#token=")[1]
    with db() as session:
        session.scalars(select(StaffInvite)).one().expires_at = int(time.time()) - 1
        session.commit()
    expired = assert_error(client.post("/staff/invites/accept", json={"token": token, "username": "late",
                                                                      "password": PASSWORD}), 410, "invite_invalid")
    unknown = assert_error(client.post("/staff/invites/check", json={"token": "x" * 43}), 410, "invite_invalid")
    assert expired == unknown


def test_a_withdrawn_link_no_longer_opens(client, towns, admins):
    mine, kaga = towns
    mine_admin, kaga_admin = admins
    url = mine_admin.post(f"/staff/municipalities/{mine}/invites", {"role": "viewer", "method": "link"}).json()["url"]
    pending = mine_admin.get(f"/staff/municipalities/{mine}/invites").json()
    assert [p["role"] for p in pending] == ["viewer"]
    assert_error(kaga_admin.delete(f"/staff/municipalities/{kaga}/invites/{pending[0]['id']}"), 404,
                 "invite_not_found")
    assert mine_admin.delete(f"/staff/municipalities/{mine}/invites/{pending[0]['id']}").json() == {"removed": True}
    assert_error(client.post("/staff/invites/check", json={"token": url.split("#token=")[1]}), 410, "invite_invalid")


def test_a_one_time_password_opens_only_the_password_change(client, db, towns, admins):
    mine, _ = towns
    answer = admins[0].post(f"/staff/municipalities/{mine}/invites",
                            {"role": "viewer", "method": "password", "username": "Mori"}).json()
    assert answer["kind"] == "password" and answer["username"] == "mori" and len(answer["password"]) == 16
    first = as_(client, token_of(client, "mori", answer["password"]))
    me = first.get("/staff/me").json()
    assert me["must_change_password"] is True
    assert_error(first.get("/staff/municipalities"), 403, "password_change_required")
    assert_error(first.get(f"/staff/municipalities/{mine}/collections"), 403, "password_change_required")
    assert_error(first.post("/staff/me/password", {"current_password": "wrong", "new_password": NEW_PASSWORD}),
                 403, "current_password_wrong")
    changed = first.post("/staff/me/password", {"current_password": answer["password"], "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert first.get("/staff/municipalities").status_code == 200
    assert first.get("/staff/me").json()["must_change_password"] is False
    assert_error(login(client, "mori", answer["password"]), 401, "bad_credentials")
    assert_error(admins[0].post(f"/staff/municipalities/{mine}/invites", {"role": "viewer", "method": "password"}),
                 422, "login_name_needed")


def test_an_existing_account_invited_by_name_or_email_gets_the_role(client, db, towns, admins):
    mine, kaga = towns
    make_staff(db, "ogawa", [(kaga, "viewer")])
    granted = admins[0].post(f"/staff/municipalities/{mine}/invites",
                             {"role": "staff", "method": "link", "email": "OGAWA@city.example.jp"}).json()
    assert granted["kind"] == "granted" and granted["username"] == "ogawa" and granted["url"] is None
    listed = admins[0].get(f"/staff/municipalities/{mine}/staff").json()
    assert {(m["username"], m["role"]) for m in listed} == {("mine-admin", "admin"), ("ogawa", "staff")}
    assert_error(admins[0].post(f"/staff/municipalities/{mine}/invites",
                                {"role": "admin", "method": "password", "username": "ogawa"}), 409, "already_staff")


def test_admins_of_one_town_cannot_touch_another_towns_staff(client, db, towns, admins):
    mine, kaga = towns
    mine_admin, _ = admins
    kaga_staff = make_staff(db, "kaga-clerk", [(kaga, "staff")])
    refused = [
        mine_admin.post(f"/staff/municipalities/{kaga}/invites", {"role": "admin", "method": "link"}),
        mine_admin.get(f"/staff/municipalities/{kaga}/staff"),
        mine_admin.get(f"/staff/municipalities/{kaga}/invites"),
        mine_admin.patch(f"/staff/municipalities/{kaga}/staff/{kaga_staff}", {"role": "viewer"}),
        mine_admin.delete(f"/staff/municipalities/{kaga}/staff/{kaga_staff}"),
        mine_admin.post(f"/staff/municipalities/{kaga}/staff/{kaga_staff}/deactivate"),
    ]
    for response in refused:
        assert_error(response, 403, "role_required")
    # Through their own municipality's path, another town's member is nobody.
    for response in (mine_admin.patch(f"/staff/municipalities/{mine}/staff/{kaga_staff}", {"role": "viewer"}),
                     mine_admin.delete(f"/staff/municipalities/{mine}/staff/{kaga_staff}"),
                     mine_admin.post(f"/staff/municipalities/{mine}/staff/{kaga_staff}/deactivate")):
        assert_error(response, 404, "staff_not_found")
    with db() as session:
        account = session.get(StaffAccount, kaga_staff)
        assert account.active
    assert as_(client, token_of(client, "kaga-clerk")).get("/staff/me").json()["roles"] == [
        {"municipality_id": kaga, "role": "staff"}]


def test_an_account_working_for_two_towns_is_removed_not_deactivated(client, db, towns, admins):
    mine, kaga = towns
    both = make_staff(db, "both-towns", [(mine, "staff"), (kaga, "staff")])
    assert_error(admins[0].post(f"/staff/municipalities/{mine}/staff/{both}/deactivate"), 403, "account_shared")
    assert admins[0].delete(f"/staff/municipalities/{mine}/staff/{both}").json() == {"removed": True}
    assert as_(client, token_of(client, "both-towns")).get("/staff/me").json()["roles"] == [
        {"municipality_id": kaga, "role": "staff"}]


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_viewers_and_staff_cannot_manage_staff(client, db, towns, admins, role):
    mine, _ = towns
    make_staff(db, f"a-{role}", [(mine, role)])
    other = make_staff(db, "colleague", [(mine, "viewer")])
    me = as_(client, token_of(client, f"a-{role}"))
    for response in (me.post(f"/staff/municipalities/{mine}/invites", {"role": "viewer", "method": "link"}),
                     me.get(f"/staff/municipalities/{mine}/staff"),
                     me.patch(f"/staff/municipalities/{mine}/staff/{other}", {"role": "admin"}),
                     me.delete(f"/staff/municipalities/{mine}/staff/{other}"),
                     me.post(f"/staff/municipalities/{mine}/staff/{other}/deactivate")):
        assert_error(response, 403, "role_required")


def test_the_last_admin_stays_an_admin(client, db, towns, admins):
    mine, _ = towns
    mine_admin, _ = admins
    with db() as session:
        me = session.scalar(select(StaffAccount.id).where(StaffAccount.username == "mine-admin"))
    for response in (mine_admin.patch(f"/staff/municipalities/{mine}/staff/{me}", {"role": "staff"}),
                     mine_admin.delete(f"/staff/municipalities/{mine}/staff/{me}"),
                     mine_admin.post(f"/staff/municipalities/{mine}/staff/{me}/deactivate")):
        assert_error(response, 409, "last_admin")
    second = make_staff(db, "second-admin", [(mine, "admin")])
    changed = mine_admin.patch(f"/staff/municipalities/{mine}/staff/{me}", {"role": "viewer"})
    assert changed.status_code == 200 and changed.json()["role"] == "viewer", changed.text
    assert_error(mine_admin.get(f"/staff/municipalities/{mine}/staff"), 403, "role_required")  # at once
    boss = as_(client, token_of(client, "second-admin"))
    assert_error(boss.patch(f"/staff/municipalities/{mine}/staff/{second}", {"role": "staff"}), 409, "last_admin")


def test_deactivation_ends_sessions_and_sign_in_and_can_be_undone(client, db, towns, admins):
    mine, _ = towns
    clerk = make_staff(db, "clerk", [(mine, "staff")])
    clerk_token = token_of(client, "clerk")
    answer = admins[0].post(f"/staff/municipalities/{mine}/staff/{clerk}/deactivate")
    assert answer.status_code == 200 and answer.json()["active"] is False, answer.text
    assert_error(as_(client, clerk_token).get("/staff/me"), 401, "not_signed_in")
    with db() as session:
        assert session.scalars(select(AuthSession).where(AuthSession.subject == str(clerk))).all() == []
    assert_error(login(client, "clerk"), 401, "bad_credentials")
    assert admins[0].post(f"/staff/municipalities/{mine}/staff/{clerk}/activate").json()["active"] is True
    assert login(client, "clerk").status_code == 200


def test_only_a_superuser_touches_a_superuser(client, db, towns, admins):
    mine, _ = towns
    root = make_staff(db, "root", [(mine, "viewer")], superuser=True)
    for response in (admins[0].patch(f"/staff/municipalities/{mine}/staff/{root}", {"role": "staff"}),
                     admins[0].post(f"/staff/municipalities/{mine}/staff/{root}/deactivate"),
                     admins[0].delete(f"/staff/municipalities/{mine}/staff/{root}")):
        assert_error(response, 403, "superuser_protected")
    make_staff(db, "root2", superuser=True)
    assert_error(admins[0].post(f"/staff/municipalities/{mine}/invites",
                                {"role": "viewer", "method": "link", "username": "root2"}), 403,
                 "superuser_protected")
    boss = as_(client, token_of(client, "root2"))
    assert boss.patch(f"/staff/municipalities/{mine}/staff/{root}", {"role": "staff"}).status_code == 200


def test_a_superuser_adds_a_municipality_and_invites_its_first_admin(client, db, towns):
    make_staff(db, "root", superuser=True)
    make_staff(db, "plain-admin", [(towns[0], "admin")])
    assert_error(as_(client, token_of(client, "plain-admin")).post(
        "/staff/municipalities", {"name_ja": "萩市", "name_en": "Hagi"}), 403, "superuser_required")
    boss = as_(client, token_of(client, "root"))
    town = boss.post("/staff/municipalities", {"name_ja": "萩市", "name_en": "Hagi"}).json()
    invited = boss.post(f"/staff/municipalities/{town['id']}/invites", {"role": "admin", "method": "link"}).json()
    token = invited["url"].split("#token=")[1]
    assert client.post("/staff/invites/accept", json={"token": token, "username": "hagi-admin",
                                                      "password": PASSWORD}).status_code == 201
    hagi = as_(client, token_of(client, "hagi-admin"))
    assert [m["slug"] for m in hagi.get("/staff/municipalities").json()] == ["hagi"]
    assert [m["username"] for m in hagi.get(f"/staff/municipalities/{town['id']}/staff").json()] == ["hagi-admin"]


def test_changing_my_password_ends_my_other_sessions(client, db, towns):
    make_staff(db, "kondo", [(towns[0], "viewer")])
    laptop, phone = token_of(client, "kondo"), token_of(client, "kondo")
    assert_error(as_(client, laptop).post("/staff/me/password", {"current_password": PASSWORD,
                                                                  "new_password": "short"}), 422, "password_too_short")
    answer = as_(client, laptop).post("/staff/me/password", {"current_password": PASSWORD,
                                                              "new_password": NEW_PASSWORD})
    assert answer.status_code == 200, answer.text
    assert as_(client, laptop).get("/staff/me").status_code == 200
    assert_error(as_(client, phone).get("/staff/me"), 401, "not_signed_in")
    assert_error(login(client, "kondo"), 401, "bad_credentials")
    assert login(client, "kondo", NEW_PASSWORD).status_code == 200


def code_at(secret, offset_steps=0):
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrolled(client, db, username, towns, settings):
    """An account with TOTP on, confirmed with the previous step's code (so the current one is still unused)."""
    staff_id = make_staff(db, username, [(towns[0], "admin")])
    me = as_(client, token_of(client, username))
    enrol = me.post("/staff/me/totp").json()
    assert enrol["uri"].startswith("otpauth://totp/") and f"secret={enrol['secret']}" in enrol["uri"]
    assert enrol["qr_svg"].startswith("<svg")
    assert_error(me.post("/staff/me/totp/confirm", {"code": "000000" if code_at(enrol["secret"]) != "000000"
                                                    else "111111"}), 422, "totp_code_wrong")
    assert me.post("/staff/me/totp/confirm", {"code": code_at(enrol["secret"], -1)}).json() == {"totp_enabled": True}
    with db() as session:
        sealed = session.get(StaffAccount, staff_id).totp_seed
    assert enrol["secret"] not in sealed
    assert unseal(settings.sealing_key, "totp", sealed, bound_to=f"staff:{staff_id}") == enrol["secret"]
    return me, enrol["secret"]


def forget_failed_attempts(client):
    """The wrong code of enrolment counts as a failed attempt of the name: start the sign-in checks afresh."""
    client.app.state.services.login_throttle.limiter.storage.reset()


def test_totp_sign_in_needs_the_code_and_a_code_works_once(client, db, towns, settings):
    me, secret = enrolled(client, db, "takeda", towns, settings)
    forget_failed_attempts(client)
    assert me.get("/staff/me").json()["totp_enabled"] is True
    no_code = assert_error(login(client, "takeda"), 401, "bad_credentials")
    wrong_password = assert_error(client.post("/staff/login", json={"login": "takeda", "password": "wrong password",
                                                                    "totp_code": code_at(secret)}),
                                  401, "bad_credentials")
    assert no_code == wrong_password
    assert_error(client.post("/staff/login", json={"login": "takeda", "password": PASSWORD,
                                                   "totp_code": code_at(secret, -1)}), 401, "bad_credentials")  # used
    code = code_at(secret)
    assert token_of(client, "takeda", totp_code=code)
    assert_error(client.post("/staff/login", json={"login": "takeda", "password": PASSWORD, "totp_code": code}),
                 401, "bad_credentials")  # replayed within its window
    assert token_of(client, "takeda", totp_code=code_at(secret, 1))


def test_totp_is_turned_off_only_with_a_current_code(client, db, towns, settings):
    me, secret = enrolled(client, db, "uchida", towns, settings)
    assert_error(me.post("/staff/me/totp"), 409, "totp_already_on")
    assert_error(me.post("/staff/me/totp/disable", {"code": code_at(secret, -1)}), 422, "totp_code_wrong")  # used
    assert me.post("/staff/me/totp/disable", {"code": code_at(secret)}).json() == {"totp_enabled": False}
    assert_error(me.post("/staff/me/totp/disable", {"code": code_at(secret, 1)}), 409, "totp_not_on")
    assert login(client, "uchida").status_code == 200
    with db() as session:
        assert session.scalar(select(StaffAccount.totp_seed).where(StaffAccount.username == "uchida")) is None


def test_an_invitation_names_a_login_that_could_exist(client, towns, admins):
    mine, _ = towns
    for name in ("no spaces", "\x00", "ü" * 3):
        assert_error(admins[0].post(f"/staff/municipalities/{mine}/invites",
                                    {"role": "viewer", "method": "link", "username": name}), 422, "login_name_invalid")


ODD = ["", "\x00", "a\x00b", "٣٤٥٦٧٨", "\u202e" * 5, "x" * 65, "' OR 1=1 --", "%00", "😀" * 10]


def test_odd_input_to_the_account_routes_is_refused_never_a_server_error(client, towns, admins):
    mine, _ = towns
    me = admins[0]
    for odd in ODD:
        forget_failed_attempts(client)  # each odd password counts as a wrong guess; this test is about the 4xx
        answers = [
            client.post("/staff/invites/check", json={"token": odd}),
            client.post("/staff/invites/accept", json={"token": odd, "username": odd, "password": odd,
                                                       "display_name": odd}),
            me.post(f"/staff/municipalities/{mine}/invites", {"role": "viewer", "method": "password", "username": odd,
                                                              "display_name": odd}),
            me.post(f"/staff/municipalities/{mine}/invites", {"role": "viewer", "method": "link", "email": odd}),
            me.post("/staff/me/totp/confirm", {"code": odd}),
            me.post("/staff/me/password", {"current_password": odd, "new_password": odd}),
        ]
        for answer in answers:
            assert 400 <= answer.status_code < 500, (odd, answer.request.url, answer.text)
        # Without two-step sign-in a code is not looked at.
        signed_in = client.post("/staff/login", json={"login": "mine-admin", "password": PASSWORD, "totp_code": odd})
        assert signed_in.status_code == (200 if len(odd) <= 16 else 422), signed_in.text


def test_guessing_the_current_password_or_a_code_from_a_session_is_slowed_like_sign_ins(client, db, towns, settings):
    """A stolen session cannot guess the password (or a TOTP code) without limit: wrong guesses count with the
    name's failed sign-ins and are slowed the same way (429 with Retry-After), never more than the sign-in's."""
    make_staff(db, "mori", [(towns[0], "viewer")])
    me = as_(client, token_of(client, "mori"))
    answers = [me.post("/staff/me/password", {"current_password": f"wrong guess {n}", "new_password": NEW_PASSWORD})
               for n in range(7)]
    statuses = [a.status_code for a in answers]
    assert statuses[0] == 403 and 429 in statuses, statuses
    throttled = answers[statuses.index(429)]
    assert throttled.json()["code"] == "login_throttled" and int(throttled.headers["Retry-After"]) >= 1
    # the right password now waits too, and so does a sign-in of the same name from this address
    assert me.post("/staff/me/password", {"current_password": PASSWORD,
                                          "new_password": NEW_PASSWORD}).status_code == 429
    assert login(client, "mori").status_code == 429
    assert me.post("/staff/me/totp/confirm", {"code": "000000"}).status_code == 429


def test_nobody_deactivates_their_own_account(client, db, towns):
    """It would end the very session asking (the fuzzer's superuser did so to itself) and lock its owner out;
    another admin can, and removing oneself from a municipality stays possible."""
    mine, _ = towns
    root = make_staff(db, "root", [(mine, "viewer")], superuser=True)
    make_staff(db, "chief", [(mine, "admin")])
    deputy = make_staff(db, "deputy", [(mine, "admin")])
    boss, chief = as_(client, token_of(client, "root")), as_(client, token_of(client, "chief"))
    me = as_(client, token_of(client, "deputy"))
    assert_error(boss.post(f"/staff/municipalities/{mine}/staff/{root}/deactivate"), 409, "deactivate_self")
    assert_error(me.post(f"/staff/municipalities/{mine}/staff/{deputy}/deactivate"), 409, "deactivate_self")
    assert boss.get("/staff/me").status_code == 200 and me.get("/staff/me").status_code == 200
    assert chief.post(f"/staff/municipalities/{mine}/staff/{deputy}/deactivate").status_code == 200
    assert_error(me.get("/staff/me"), 401, "not_signed_in")
    assert boss.delete(f"/staff/municipalities/{mine}/staff/{root}").status_code == 200
