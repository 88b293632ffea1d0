"""Cross-site request forgery (backend/api/origin.py): a state change made with one of our session cookies must
come from our own origin; bearer tokens and API keys are unaffected; sign-ins from elsewhere are refused too."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from backend.api.origin import SameOrigin
from backend.auth.sessions import COOKIE_NAMES, create_session
from backend.auth.staff import create_staff
from tests.backend.access_setup import assert_error
from tests.backend.perks_setup import STAFF_PASSWORD, VENUE_PASSWORD, municipality_id_of

EVIL = "http://evil.example"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


# --- the rule, on a bare app ------------------------------------------------------------------------------
def _bare(public_url="https://resident.example") -> TestClient:
    async def ok(_request):
        return PlainTextResponse("done")

    app = Starlette(routes=[Route("/x", ok, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])])
    return TestClient(SameOrigin(app, public_url))


STAFF_COOKIE = {"cookie": f"{COOKIE_NAMES['staff']}=abc"}


@pytest.mark.parametrize(("headers", "allowed"), [
    ({"origin": "https://resident.example", **STAFF_COOKIE}, True),            # the public URL
    ({"origin": "https://RESIDENT.example:443", **STAFF_COOKIE}, True),        # same origin, spelled otherwise
    ({"origin": "http://testserver", **STAFF_COOKIE}, True),                   # the request's own host
    ({"sec-fetch-site": "same-origin", **STAFF_COOKIE}, True),
    ({"sec-fetch-site": "none", **STAFF_COOKIE}, True),                        # typed by the user
    ({"origin": EVIL, **STAFF_COOKIE}, False),
    ({"origin": "http://testserver:8001", **STAFF_COOKIE}, False),             # same host, another port
    ({"origin": "https://resident.example.evil.example", **STAFF_COOKIE}, False),
    ({"origin": "null", **STAFF_COOKIE}, False),                               # sandboxed frame
    ({"sec-fetch-site": "same-site", **STAFF_COOKIE}, False),
    ({"sec-fetch-site": "cross-site", **STAFF_COOKIE}, False),
    ({"origin": "http://testserver", "sec-fetch-site": "cross-site", **STAFF_COOKIE}, False),
    (STAFF_COOKIE, False),                                                     # a cookie and no origin at all
    ({"cookie": f"{COOKIE_NAMES['holder']}=abc"}, False),
    ({"cookie": f"{COOKIE_NAMES['venue']}=abc"}, False),
    ({"cookie": "theme=dark"}, True),                                          # not one of our sessions
    ({}, True),                                                                # no credentials: nothing to forge
    ({"origin": EVIL}, False),                                                 # a sign-in from elsewhere
    ({"origin": EVIL, "authorization": "Bearer tok", **STAFF_COOKIE}, True),   # the header wins over the cookie
    ({"origin": EVIL, "x-bot-key": "rbk_x"}, True),
    ({"origin": EVIL, "x-partner-key": "k"}, True),
    ({"origin": EVIL, "authorization": "Bearer ", **STAFF_COOKIE}, False),     # empty: the cookie would be used
    ({"origin": EVIL, "authorization": "Basic eDp5", **STAFF_COOKIE}, False),
])
@pytest.mark.parametrize("method", sorted(STATE_CHANGING))
def test_state_changes_from_another_origin_are_refused(method, headers, allowed):
    response = _bare().request(method, "/x", headers=headers)
    if allowed:
        assert response.status_code == 200, response.text
    else:
        body = assert_error(response, 403, "cross_origin_refused")
        assert body["message_ja"] and body["message_en"] != body["message_ja"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reads_pass_whatever_their_origin(method):
    assert _bare().request(method, "/x", headers={"origin": EVIL, **STAFF_COOKIE}).status_code == 200


# --- the app: the probes of the issue ---------------------------------------------------------------------
@contextmanager
def no_origin(client):
    """The test client without its default Origin (tests/backend/conftest.py): as curl or a script sends."""
    origin = client.headers.pop("origin")
    try:
        yield client
    finally:
        client.headers["origin"] = origin


@pytest.fixture
def signed_in(client, app, chain_with_collection, sync_index):
    """A superuser signed in by cookie only (as the console is), a venue desk signed in by cookie only."""
    sync_index()
    mid = municipality_id_of(app, chain_with_collection.collection)
    with app.state.services.session_factory() as db:
        create_staff(db, "csrf-admin", STAFF_PASSWORD, superuser=True)
        db.commit()
    login = client.post("/staff/login", json={"login": "csrf-admin", "password": STAFF_PASSWORD})
    assert login.status_code == 200, login.text
    staff = {"Authorization": f"Bearer {login.json()['token']}"}
    venue = client.post(f"/staff/municipalities/{mid}/venues", json={"name_ja": "窓口", "name_en": "Desk"},
                        headers=staff).json()
    account = client.post(f"/staff/venues/{venue['id']}/accounts", headers=staff,
                          json={"login": "csrf-desk", "password": VENUE_PASSWORD})
    assert account.status_code == 201, account.text
    assert client.post("/venue/login", json={"login": "csrf-desk", "password": VENUE_PASSWORD}).status_code == 200
    assert {COOKIE_NAMES["staff"], COOKIE_NAMES["venue"]} <= set(client.cookies.keys())
    return {"mid": mid, "staff": staff}


@pytest.mark.parametrize("path", [
    "/staff/municipalities/{mid}/inactivity/run",
    "/staff/premium/1/approve",
    "/staff/municipalities/{mid}/premium/renewals",
])
def test_bodyless_staff_posts_from_another_origin_are_refused(client, signed_in, path):
    url = path.format(mid=signed_in["mid"])
    assert_error(client.post(url, headers={"Origin": EVIL}), 403, "cross_origin_refused")
    # From the console's own origin the same cookie reaches the route (whatever it then answers).
    same = client.post(url, headers={"Origin": "http://testserver"})
    assert same.json().get("code") != "cross_origin_refused"


def test_a_logout_from_another_origin_is_refused_and_the_session_stays(client, signed_in):
    assert_error(client.post("/staff/logout", headers={"Origin": EVIL}), 403, "cross_origin_refused")
    assert client.get("/staff/me").status_code == 200  # still signed in (by the cookie)
    assert client.post("/staff/logout", headers={"Origin": "http://testserver"}).status_code == 200
    assert client.get("/staff/me").status_code == 401


def test_a_multipart_allowlist_upload_from_another_origin_creates_nothing(client, signed_in):
    url = f"/staff/municipalities/{signed_in['mid']}/allowlists"
    csv = b"address\r\n0x" + b"1" * 40 + b"\r\n"
    refused = client.post(url, files={"file": ("list.csv", csv, "text/csv")}, headers={"Origin": EVIL})
    assert_error(refused, 403, "cross_origin_refused")
    refused = client.post(url, files={"file": ("list.csv", csv, "text/csv")}, headers={"Sec-Fetch-Site": "same-site"})
    assert_error(refused, 403, "cross_origin_refused")
    assert client.get(url).json() == []
    made = client.post(url, files={"file": ("list.csv", csv, "text/csv")}, headers={"Origin": "http://testserver"})
    assert made.status_code == 201, made.text
    assert len(client.get(url).json()) == 1


def test_a_text_plain_redeem_with_the_venue_cookie_from_another_origin_is_refused(client, signed_in):
    scan = {"content": b'{"pass": "rp1.forged"}', "headers": {"Content-Type": "text/plain"}}
    refused = client.post("/venue/redeem", content=scan["content"], headers={**scan["headers"], "Origin": EVIL})
    assert_error(refused, 403, "cross_origin_refused")
    with no_origin(client):  # a cookie and no Origin: no browser we serve sends that
        assert_error(client.post("/venue/redeem", content=scan["content"], headers=scan["headers"]), 403,
                     "cross_origin_refused")
    own = client.post("/venue/redeem", content=scan["content"],
                      headers={**scan["headers"], "Origin": "http://testserver"})
    assert own.status_code == 200 and own.json()["reason_code"] == "pass_malformed"


def test_sign_ins_from_another_origin_are_refused(client, signed_in):
    for url, body in (("/staff/login", {"login": "csrf-admin", "password": STAFF_PASSWORD}),
                      ("/venue/login", {"login": "csrf-desk", "password": VENUE_PASSWORD}),
                      ("/auth/nonce", None)):
        client.cookies.clear()
        assert_error(client.post(url, json=body, headers={"Origin": EVIL}), 403, "cross_origin_refused")
    # API clients without a browser's headers sign in as before.
    with no_origin(client):
        assert client.post("/staff/login", json={"login": "csrf-admin", "password": STAFF_PASSWORD}).status_code \
            == 200


# --- every state-changing route, including those added later ----------------------------------------------
def _routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (mounted lazily)
            yield from _routes(route.original_router.routes)


def _state_changing(app) -> list[tuple[str, str]]:
    found = sorted({(method, re.sub(r"\{[^}]+\}", "1", route.path))
                    for route in _routes(app.router.routes) for method in route.methods & STATE_CHANGING})
    assert len(found) > 40 and ("POST", "/venue/redeem") in found
    return found


def test_every_state_changing_route_refuses_a_cross_origin_cookie_and_not_a_bearer_token(app, client):
    """Walks the app's router, so routes added later are covered; a bearer request passes the check (its
    answer is the route's own, never a 5xx)."""
    with app.state.services.session_factory() as db:
        staff = create_staff(db, "csrf-walker", STAFF_PASSWORD, superuser=True)
        cookies = {COOKIE_NAMES[kind]: create_session(db, kind, subject)[0]
                   for kind, subject in (("staff", staff.id), ("holder", "0x" + "ab" * 20), ("venue", 1))}
        bearer_token = create_session(db, "staff", staff.id)[0]
        db.commit()
    routes = _state_changing(app)
    for method, path in routes:
        for headers in ({"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {}):
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies.set(name, value)
            with no_origin(client):
                response = client.request(method, path, headers=headers, content=b"{}")
            assert response.status_code == 403 and response.json()["code"] == "cross_origin_refused", \
                (method, path, headers, response.text)
        client.cookies.clear()  # and with no credentials at all, from elsewhere (a sign-in, a nonce)
        response = client.request(method, path, headers={"Origin": EVIL}, content=b"{}")
        assert response.json()["code"] == "cross_origin_refused", (method, path)
    for method, path in routes:
        response = client.request(method, path, content=b"{}", headers={
            "Origin": EVIL, "Authorization": f"Bearer {bearer_token}", "Content-Type": "application/json"})
        assert response.status_code != 500, (method, path, response.text)
        if response.headers.get("content-type", "").startswith("application/json"):
            assert response.json().get("code") != "cross_origin_refused", (method, path)
