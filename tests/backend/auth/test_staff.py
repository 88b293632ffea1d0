"""Staff accounts: scrypt passwords, their own sessions and cookie, a role per municipality, the first admin."""

import pytest
from eth_account import Account

from tests.backend.access_setup import assert_error, bearer, sign_in
from backend.auth import staff
from backend.auth.errors import AccountExists, BadCredentials, RoleRequired
from backend.db.models_access import StaffAccount
from backend.db.models_chain import Municipality
from backend.db.session import begin_immediate

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


def test_many_wrong_passwords_lock_the_account_for_a_while(client, db, towns):
    staff_id = make_staff(db, "nakamura")
    for _ in range(staff.MAX_FAILED_LOGINS):
        assert_error(login(client, "nakamura", "wrong password!"), 401, "bad_credentials")
    assert_error(login(client, "nakamura"), 429, "account_locked")  # even the right password waits
    with db() as session:
        account = session.get(StaffAccount, staff_id)
        account.locked_until = 1  # the lock has run out
        session.commit()
    assert login(client, "nakamura").status_code == 200


def test_a_successful_login_resets_the_failure_count(db, towns):
    staff_id = make_staff(db, "hayashi")
    with db() as session:
        for _ in range(staff.MAX_FAILED_LOGINS - 1):
            with pytest.raises(BadCredentials):
                staff.authenticate(session, "hayashi", "wrong password!")
        staff.authenticate(session, "hayashi", PASSWORD)
        assert session.get(StaffAccount, staff_id).failed_logins == 0
        with pytest.raises(BadCredentials):
            staff.authenticate(session, "hayashi", "wrong password!")
        assert session.get(StaffAccount, staff_id).locked_until is None
