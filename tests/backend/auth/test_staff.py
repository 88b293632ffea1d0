"""Staff accounts: scrypt passwords, their own sessions and cookie, a role per municipality, the first admin."""

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from tests.backend.access_setup import assert_error, bearer, sign_in
from backend.auth import staff
from backend.auth.errors import AccountExists, BadCredentials, RoleRequired
from backend.db.models_access import StaffAccount
from backend.db.models_chain import Municipality
from backend.db.session import begin_immediate
from tests.backend.throttle_clock import freeze

PASSWORD = "correct horse battery"


@pytest.fixture
def db(app, client):
    """Sessions on the app's database that start holding SQLite's write lock: the app's indexer thread
    writes concurrently, and a read-then-write transaction would otherwise fail with "database is locked"."""

    def writer():
        session = app.state.services.session_factory()
        begin_immediate(session)
        return session

    return writer


@pytest.fixture
def towns(db):
    """Two municipalities (ids), e.g. Mine and Kaga."""
    with db() as session:
        mine = Municipality(slug="mine-test", name_ja="美祢市", name_en="Mine")
        kaga = Municipality(slug="kaga-test", name_ja="加賀市", name_en="Kaga")
        session.add_all([mine, kaga])
        session.commit()
        return mine.id, kaga.id


def make_staff(db, username, roles=(), superuser=False):
    with db() as session:
        account = staff.create_staff(session, username, PASSWORD, email=f"{username}@city.example.jp",
                                     superuser=superuser)
        for municipality_id, role in roles:
            staff.grant_role(session, account.id, municipality_id, role)
        session.commit()
        return account.id


def login(client, username, password=PASSWORD):
    return client.post("/staff/login", json={"login": username, "password": password})


def test_password_is_stored_as_scrypt_and_login_works_by_name_or_email(client, db, towns):
    make_staff(db, "tanaka", [(towns[0], "staff")])
    with db() as session:
        stored = session.query(StaffAccount).one().password_hash
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    response = login(client, "Tanaka")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["staff"]["username"] == "tanaka"
    assert body["staff"]["roles"] == [{"municipality_id": towns[0], "role": "staff"}]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("resident_staff_session=") and "HttpOnly" in cookie
    assert client.get("/staff/me").json()["username"] == "tanaka"
    client.cookies.clear()
    assert login(client, "TANAKA@city.example.jp").status_code == 200


def test_wrong_password_and_unknown_login_get_the_same_answer(client, db, towns):
    make_staff(db, "sato")
    wrong = assert_error(login(client, "sato", "wrong password!"), 401, "bad_credentials")
    unknown = assert_error(login(client, "nobody", PASSWORD), 401, "bad_credentials")
    assert wrong == unknown


def test_staff_and_holder_sessions_do_not_open_each_other(client, db, towns):
    make_staff(db, "suzuki", [(towns[0], "admin")])
    staff_token = login(client, "suzuki").json()["token"]
    holder_token = sign_in(client, Account.create()).json()["token"]
    client.cookies.clear()
    assert client.get("/staff/me", headers=bearer(staff_token)).status_code == 200
    assert_error(client.get("/staff/me", headers=bearer(holder_token)), 401, "not_signed_in")
    assert_error(client.get("/me", headers=bearer(staff_token)), 401, "not_signed_in")


def test_staff_logout(client, db, towns):
    make_staff(db, "kato")
    token = login(client, "kato").json()["token"]
    assert client.post("/staff/logout").json() == {"signed_out": True}
    assert client.get("/staff/me", headers=bearer(token)).status_code == 401


def test_a_disabled_account_loses_its_open_session(client, db, towns):
    staff_id = make_staff(db, "ito")
    token = login(client, "ito").json()["token"]
    with db() as session:
        session.get(StaffAccount, staff_id).active = False
        session.commit()
    assert client.get("/staff/me", headers=bearer(token)).status_code == 401
    assert_error(login(client, "ito"), 401, "bad_credentials")


def test_roles_are_per_municipality_and_ordered(client, db, towns):
    mine, kaga = towns
    make_staff(db, "viewer1", [(mine, "viewer")])
    make_staff(db, "admin1", [(mine, "admin")])
    make_staff(db, "root", superuser=True)

    def create_key(username, municipality_id):
        client.cookies.clear()
        token = login(client, username).json()["token"]
        return client.post(f"/staff/municipalities/{municipality_id}/bot-keys", json={"name": "bot"},
                           headers=bearer(token))

    assert_error(create_key("viewer1", mine), 403, "role_required")
    assert create_key("admin1", mine).status_code == 200
    assert_error(create_key("admin1", kaga), 403, "role_required")  # admin of Mine is nobody in Kaga
    assert create_key("root", kaga).status_code == 200
    client.cookies.clear()
    assert_error(client.post(f"/staff/municipalities/{mine}/bot-keys", json={"name": "x"}), 401, "not_signed_in")


def test_member_role_checks(db, towns):
    mine, kaga = towns
    staff_id = make_staff(db, "yamada", [(mine, "staff")])
    with db() as session:
        member = staff.member(session, staff_id)
    assert member.has_role(mine, "viewer") and member.has_role(mine, "staff")
    assert not member.has_role(mine, "admin") and not member.has_role(kaga, "viewer")
    staff.check_role(member, mine, "staff")
    with pytest.raises(RoleRequired):
        staff.check_role(member, mine, "admin")
    with pytest.raises(ValueError):
        staff.check_role(member, mine, "owner")


def test_duplicate_username_is_refused(db, towns):
    make_staff(db, "kimura")
    with db() as session, pytest.raises(AccountExists):
        staff.create_staff(session, "KIMURA", PASSWORD)


def test_weak_password_and_bad_username_are_refused(db, towns):
    with db() as session:
        with pytest.raises(ValueError, match="10"):
            staff.create_staff(session, "short", "abc")
        with pytest.raises(ValueError, match="username"):
            staff.create_staff(session, "bad name!", PASSWORD)


def test_create_admin_is_idempotent_and_grants_admin(db, towns):
    mine, _ = towns
    with db() as session:
        first = staff.create_admin(session, "mine-admin", PASSWORD, municipality_id=mine)
        again = staff.create_admin(session, "mine-admin", "another password", municipality_id=mine)
        session.commit()
        begin_immediate(session)  # authenticate writes (last login); the indexer writes concurrently
        assert first.id == again.id and not first.superuser
        assert staff.member(session, first.id).roles == {mine: "admin"}
        assert staff.authenticate(session, "mine-admin", PASSWORD).id == first.id  # password not reset
        with pytest.raises(BadCredentials):
            staff.authenticate(session, "mine-admin", "another password")


def test_create_admin_command_line(settings, monkeypatch, capsys):
    from backend.db import make_engine, session_factory

    for name, value in (("RESIDENT_DATABASE_URL", settings.database_url), ("RESIDENT_DATA_DIR", str(settings.data_dir)),
                        ("RESIDENT_ADMIN_PASSWORD", PASSWORD)):
        monkeypatch.setenv(name, value)
    assert staff.main(["create-admin", "--username", "first-admin", "--email", "admin@city.example.jp"]) == 0
    assert "superuser" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no-such-town"):
        staff.main(["create-admin", "--username", "second", "--municipality", "no-such-town"])
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            begin_immediate(session)
            account = staff.authenticate(session, "admin@city.example.jp", PASSWORD)
            assert account.superuser
    finally:
        engine.dispose()


def client_at(app, address: str) -> TestClient:
    """A client of the running app whose requests come from `address`."""
    return TestClient(app, client=(address, 50000))


def test_wrong_passwords_from_one_address_never_keep_the_right_one_out_from_another(app, client, db, towns):
    """The lock is gone: ten and more wrong passwords for the superuser from A (anyone can type them) leave its
    sign-in from B open. Before, ten wrong passwords from anywhere locked it for 15 minutes."""
    make_staff(db, "root", superuser=True)
    attacker, owner = client_at(app, "198.51.100.7"), client_at(app, "203.0.113.9")
    answers = [login(attacker, "root", "wrong password!").status_code for _ in range(12)]
    assert answers == [401] * 5 + [429] * 7
    assert login(owner, "root").status_code == 200
    assert_error(login(attacker, "root"), 429, "login_throttled")  # A waits, even with the right password


def test_failed_sign_ins_are_slowed_with_retry_after_and_successes_do_not_count(app, client, db, towns,
                                                                                monkeypatch):
    clock = freeze(monkeypatch, app.state.services.login_throttle)
    make_staff(db, "nakamura")
    for _ in range(8):
        assert login(client, "nakamura").status_code == 200
    for _ in range(5):
        assert_error(login(client, "nakamura", "wrong password!"), 401, "bad_credentials")
    response = login(client, "nakamura")
    body = assert_error(response, 429, "login_throttled")
    assert body["retry_after"] == 60 and response.headers["Retry-After"] == "60"
    assert body["message_en"] == "Too many failed sign-ins. Try again in 60 s."
    assert "60 秒後" in body["message_ja"]
    clock.advance(45)
    assert login(client, "nakamura").json()["retry_after"] == 15
    clock.advance(15)
    assert login(client, "nakamura").status_code == 200


def test_known_and_unknown_names_get_the_same_answers_byte_for_byte(app, client, db, towns, monkeypatch):
    """Wrong password, then throttled: an existing name and an unknown one cannot be told apart, not by the
    status, the headers or a single byte of the body. Before, the eleventh try answered 429 `account_locked`
    for an account and 401 for an unknown name."""
    freeze(monkeypatch, app.state.services.login_throttle)
    make_staff(db, "sato")
    seen = []
    for _ in range(12):
        known, unknown = login(client, "sato", "wrong password!"), login(client, "nobody", "wrong password!")
        assert (known.status_code, known.headers.multi_items(), known.content) == \
               (unknown.status_code, unknown.headers.multi_items(), unknown.content)
        seen.append(known.status_code)
    assert seen == [401] * 5 + [429] * 7
    # the right password of the existing name is throttled the same way too
    known, unknown = login(client, "sato"), login(client, "nobody")
    assert (known.status_code, known.headers.multi_items(), known.content) == \
           (unknown.status_code, unknown.headers.multi_items(), unknown.content)


def test_one_address_guessing_many_names_is_slowed_as_a_whole(app, client, db, towns, monkeypatch):
    settings = app.state.services.settings
    assert settings.login_limits_per_address.startswith("30/minute")
    freeze(monkeypatch, app.state.services.login_throttle)
    make_staff(db, "kimura")
    for n in range(30):
        assert_error(login(client, f"guess{n}", "wrong password!"), 401, "bad_credentials")
    assert_error(login(client, "kimura"), 429, "login_throttled")  # a name it never tried waits too
    assert login(client_at(app, "203.0.113.9"), "kimura").status_code == 200
