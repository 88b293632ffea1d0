"""Desk codes over HTTP on a real chain and index: the holder's pass carries a six-character code, a desk types
it instead of scanning, it is the same single-use pass, and guessing codes is throttled."""

import time

import pytest
from sqlalchemy import select

from backend.db.models_perks import DeskCode
from backend.venues.desk_codes import ALPHABET, normalized
from backend.venues.passes import PassError
from tests.backend.venues.test_api import town  # noqa: F401  (the fixture)


def get_pass(client, town) -> dict:  # noqa: F811
    r = client.post(f"/me/perks/{town['perk']}/pass", headers=town["holder_headers"],
                    json={"collection": town["col"].address, "token_id": town["token_id"]})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_typed_desk_code_redeems_the_same_single_use_pass(client, town):  # noqa: F811
    issued = get_pass(client, town)
    code = issued["desk_code"]
    assert len(code) == 7 and code[3] == "-" and set(code.replace("-", "")) <= set(ALPHABET)
    typed = code.replace("-", "").lower()  # as a desk types it
    first = client.post("/venue/redeem", json={"pass": typed}, headers=town["cave"])
    assert first.status_code == 200 and first.json()["ok"] is True, first.text
    assert first.json()["card"]["token_id"] == town["token_id"]
    again = client.post("/venue/redeem", json={"pass": code}, headers=town["cave"]).json()
    assert again["ok"] is False and again["reason_code"] == "pass_used"
    scanned = client.post("/venue/redeem", json={"pass": issued["pass"]}, headers=town["cave"]).json()
    assert scanned["ok"] is False and scanned["reason_code"] == "pass_used"  # one pass, whichever way it came
    assert client.get("/venue/redemptions", headers=town["cave"]).json()["count"] == 1


def test_a_desk_code_keeps_the_venue_rules(client, town):  # noqa: F811
    code = get_pass(client, town)["desk_code"]
    r = client.post("/venue/redeem", json={"pass": code}, headers=town["cowork"]).json()
    assert r["ok"] is False and r["reason_code"] == "wrong_venue"


def test_an_unknown_code_is_refused_and_guessing_is_throttled_while_scans_go_on(client, town):  # noqa: F811
    issued = get_pass(client, town)
    live = issued["desk_code"].replace("-", "")
    wrong = [c for c in ("222222", "333333", "444444", "555555", "666666", "777777") if c != live]
    for guess in wrong[:5]:
        r = client.post("/venue/redeem", json={"pass": guess}, headers=town["cave"])
        assert r.status_code == 200 and r.json()["reason_code"] == "desk_code_unknown", r.text
        assert r.json()["message_ja"] and r.json()["message_en"]
    throttled = client.post("/venue/redeem", json={"pass": live}, headers=town["cave"])
    assert throttled.status_code == 429 and throttled.json()["code"] == "desk_code_throttled"
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    # The right code is refused too while throttled (else guessing would go on), but the QR code still works.
    scanned = client.post("/venue/redeem", json={"pass": issued["pass"]}, headers=town["cave"]).json()
    assert scanned["ok"] is True


def test_a_desk_code_needs_a_venue_session(client, town):  # noqa: F811
    code = get_pass(client, town)["desk_code"]
    r = client.post("/venue/redeem", json={"pass": code}, headers={"Authorization": "Bearer not-a-session"})
    assert r.status_code == 401 and r.json()["code"] == "venue_sign_in_required"
    assert client.post("/venue/redeem", json={"pass": code}, headers=town["cave"]).json()["ok"] is True


def test_the_stored_row_is_neither_the_code_nor_a_pass(client, app, town):  # noqa: F811
    issued = get_pass(client, town)
    with app.state.services.session_factory() as session:
        rows = session.scalars(select(DeskCode)).all()
    assert len(rows) == 1
    row = rows[0]
    assert issued["desk_code"].replace("-", "") not in row.digest and len(row.digest) == 64
    assert issued["pass"].encode() not in row.payload
    with pytest.raises(PassError):  # the payload without its signature is not a pass
        app.state.services.pass_signer.verify("rp1." + row.payload.hex())
    assert row.expires_at == issued["expires_at"]


def test_an_expired_code_is_unknown(client, app, town):  # noqa: F811
    code = get_pass(client, town)["desk_code"]
    codes = app.state.services.desk_codes
    later = time.time() + app.state.services.settings.pass_lifetime + 1
    assert codes.pass_of(normalized(code), "0" * 64, "192.0.2.1", now=later) is None


@pytest.mark.parametrize(("typed", "code"), [
    ("abc-def", "ABCDEF"), ("ABC DEF", "ABCDEF"), (" a b c d e f ", "ABCDEF"), ("ＡＢＣ－ＤＥＦ", "ABCDEF"),
    ("ABCーDEF", "ABCDEF"), ("ABCDE", None), ("ABCDEFG", None), ("ABCDE0", None), ("ABCDEI", None),
    ("rp1.AAAA", None), ("", None)])
def test_codes_are_read_as_desks_type_them(typed, code):
    assert normalized(typed) == code
