"""Forum sign-in as a signed-out holder meets it: Discourse sends the browser to /forum/sso, which sends it
to the holder page; the holder signs in with the wallet there and lands back in the forum, logged in. A
`next` that would leave the site is ignored: the holder stays on the holder page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from selenium.webdriver.common.by import By

from tests.web.test_console import call, staff_token
from tests.web.webstack import open_page, visible, wait


class FakeDiscourse(BaseHTTPRequestHandler):
    """Answers /session/sso_login as a page, so the browser has somewhere to land."""

    def do_GET(self):
        body = b"<!doctype html><title>Forum</title><h1>Forum</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def forum(stack):
    """A fake Discourse on a free port, registered for the demo card's collection; yields (its origin, the
    DiscourseConnect secret the registration answered, which Discourse would be given)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDiscourse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    token = staff_token(stack)
    municipality = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    collection = call(stack, "GET", f"/holders/{stack.demo_holders[0]}/cards")[1][0]["collection_id"]
    status, body = call(stack, "POST", f"/staff/municipalities/{municipality}/forums",
                        {"collection_id": collection, "url": origin, "name": "Test forum", "group_prefix": "test"},
                        token=token)
    assert status == 200, body
    assert len(body["secret"]) >= 32
    yield origin, body["secret"]
    server.shutdown()


def discourse_redirect(return_url: str, secret: str) -> tuple[str, str]:
    """(nonce, the /forum/sso query) as Discourse builds them (Base64 with newlines, HMAC-SHA256)."""
    nonce = secrets.token_hex(16)
    payload = base64.encodebytes(urlencode({"nonce": nonce, "return_sso_url": return_url}).encode()).decode()
    sig = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return nonce, urlencode({"sso": payload, "sig": sig})


def sign_in_here(driver):
    visible(driver, "#connect").click()
    visible(driver, "#sign-in-button").click()


def test_a_signed_out_holder_signs_in_on_the_holder_page_and_lands_in_the_forum(stack, forum, wallet_browser,
                                                                                shoot):
    forum, secret = forum
    holder = stack.demo_holders[0]
    nonce, query = discourse_redirect(f"{forum}/session/sso_login", secret)
    driver = wallet_browser(holder)
    open_page(driver, stack.url(f"/forum/sso?{query}"))
    here = urlsplit(driver.current_url)
    assert f"{here.scheme}://{here.netloc}{here.path}" == stack.url("/")  # the holder page, to sign in
    assert "go back to the page that sent you here" in visible(driver, "#notice").text
    shoot(driver, "holder-signin-for-forum")
    sign_in_here(driver)
    wait(driver, lambda d: d.current_url.startswith(f"{forum}/session/sso_login?"), timeout=30,
         message="the browser did not come back to the forum")
    answer = parse_qs(urlsplit(driver.current_url).query)
    expected = hmac.new(secret.encode(), answer["sso"][0].encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, answer["sig"][0])  # what Discourse checks
    fields = parse_qs(base64.b64decode(answer["sso"][0]).decode())
    assert fields["nonce"] == [nonce] and fields["add_groups"][0].startswith("test_holders")
    assert fields["username"] == [f"holder_{holder[2:10].lower()}"]

    # Signed in now: the next forum login goes straight through, without the holder page.
    nonce, query = discourse_redirect(f"{forum}/session/sso_login", secret)
    driver.get(stack.url(f"/forum/sso?{query}"))
    wait(driver, lambda d: d.current_url.startswith(f"{forum}/session/sso_login?"), timeout=15)
    fields = parse_qs(base64.b64decode(parse_qs(urlsplit(driver.current_url).query)["sso"][0]).decode())
    assert fields["nonce"] == [nonce]


def test_a_next_that_leaves_the_site_is_ignored(stack, wallet_browser):
    driver = wallet_browser(stack.demo_holders[1])
    open_page(driver, stack.url("/?next=%2F%09%2Fevil.example"))  # the old /signin went to evil.example
    assert driver.find_element(By.ID, "notice").text == ""  # no "you go back" promise either
    sign_in_here(driver)
    visible(driver, "#home .card-view")
    assert driver.current_url.startswith(stack.url("/"))
    # Signed in, the holder page would go on to `next` at once: never to another site.
    for next_url in ("%2F%2Fevil.example", "%2F%5Cevil.example", "%2F%0A%2Fevil.example",
                     "https%3A%2F%2Fevil.example%2F", "javascript%3Aalert(1)"):
        open_page(driver, stack.url(f"/?next={next_url}"))
        visible(driver, "#home .card-view")
        assert driver.current_url.startswith(stack.url("/")), next_url
