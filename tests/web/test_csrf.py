"""Cross-site request forgery in a real browser: while a staff member is signed in to the console, a page on the
same host but another port (same site, so the SameSite=Lax cookie goes along) posts an allowlist to the
console's backend, by fetch and by a submitted form. Nothing is created (backend/api/origin.py)."""

from __future__ import annotations

import functools
import http.server
import threading

import httpx
import pytest

from tests.web.webstack import free_port, open_page, wait

STAFF = {"login": "admin", "password": "demo-admin-password"}

SIGN_IN_JS = """
const done = arguments[arguments.length - 1];
fetch("/staff/login", {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
                       body: JSON.stringify(arguments[0])}).then((r) => done(r.status), (e) => done(String(e)));
"""

ATTACK_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>prize</title></head><body>
<form id="attack" method="post" enctype="multipart/form-data" action="{target}">
  <input type="file" name="file" id="file">
</form>
<script>
const csv = "address\\r\\n0x{wallet}\\r\\n";
const data = new FormData();
data.append("file", new Blob([csv], {{type: "text/csv"}}), "fetched.csv");
// A simple request (multipart, no custom header): no preflight, and the cookie is sent to the same site.
fetch("{target}", {{method: "POST", body: data, credentials: "include", mode: "no-cors"}})
  .finally(() => {{
    const files = new DataTransfer();
    files.items.add(new File([csv], "posted.csv", {{type: "text/csv"}}));
    document.getElementById("file").files = files.files;
    document.body.dataset.fetched = "true";
    document.getElementById("attack").submit();
  }});
</script></body></html>
"""


@pytest.fixture
def attacker(tmp_path):
    """A tiny http.server on another port of the same host; serves `tmp_path` (write attack.html there)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def allowlists(stack, token: str, municipality: int) -> list[dict]:
    response = httpx.get(stack.url(f"/staff/municipalities/{municipality}/allowlists"),
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_page_on_another_port_cannot_create_an_allowlist_with_the_staff_cookie(stack, browser, attacker):
    login = httpx.post(stack.url("/staff/login"), json=STAFF, timeout=10)
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    municipality = httpx.get(stack.url("/staff/municipalities"), headers={"Authorization": f"Bearer {token}"},
                             timeout=10).json()[0]["id"]
    before = allowlists(stack, token, municipality)

    open_page(browser, stack.url("/console"))
    assert browser.execute_async_script(SIGN_IN_JS, STAFF) == 200  # the console's cookie is set

    directory, origin = attacker
    assert origin.rsplit(":", 1)[0] == stack.base_url.rsplit(":", 1)[0] and origin != stack.base_url
    target = stack.url(f"/staff/municipalities/{municipality}/allowlists")
    (directory / "attack.html").write_text(ATTACK_PAGE.format(target=target, wallet="5" * 40), encoding="utf-8")
    browser.get(f"{origin}/attack.html")
    # The form's answer replaces the page (after the fetch went out).
    wait(browser, lambda d: d.current_url == target and d.execute_script(
        "return document.body && document.body.innerText.trim().startsWith('{')"), timeout=20,
         message="the forged form got no answer")
    created = [a["filename"] for a in allowlists(stack, token, municipality) if a not in before]
    assert created == []  # neither the fetch nor the form created one (before the fix: both did)
    assert "cross_origin_refused" in browser.page_source and "他のサイト" in browser.page_source

    # The console's own requests (same origin, the same cookie) still change things.
    open_page(browser, stack.url("/console"))
    made = browser.execute_async_script("""
const done = arguments[arguments.length - 1];
const data = new FormData();
data.append("file", new Blob(["address\\r\\n0x" + "6".repeat(40) + "\\r\\n"], {type: "text/csv"}), "own.csv");
fetch(arguments[0], {method: "POST", body: data, credentials: "same-origin"}).then((r) => done(r.status));
""", f"/staff/municipalities/{municipality}/allowlists")
    assert made == 201
    assert [a["filename"] for a in allowlists(stack, token, municipality)][0] == "own.csv"
