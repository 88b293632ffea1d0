"""A phone without a wallet makes a passkey resident account and is signed in (Chromium's virtual
authenticator through the DevTools WebAuthn domain, the real backend ceremony, the real factory on anvil);
after a reload it signs in again through the account itself (ERC-7739 sign-in message, ERC-6492 since the
account is not deployed) and votes in the demo poll with the passkey (a TypedDataSign ballot); an
authenticator whose passkey was never registered is refused; a server whose options name another challenge
than the hash the page builds from the sign-in message gets no signature.

The stack runs with the public URL on `localhost`: WebAuthn refuses an IP address as the RP id."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.web.test_holder_card_states import card_contract, transact, wait_for_index
from tests.web.holder_steps import section
from tests.web.webstack import get_json, open_page, start_stack, tap, visible, wait

AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                 "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True}


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("passkey-stack"), host="localhost")
    yield running
    running.stop()


def phone(browser_factory, lang: str = "en"):
    """A 375 px browser without a wallet extension, with a platform authenticator (Face ID / fingerprint)."""
    driver = browser_factory(lang=lang, width=375, height=800)
    driver.execute_cdp_cmd("WebAuthn.enable", {})
    authenticator = driver.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return driver, authenticator["authenticatorId"]


def test_make_a_passkey_account_and_sign_in(browser_factory, local_stack, shoot):
    driver, authenticator = phone(browser_factory)
    open_page(driver, local_stack.url("/"))
    create = visible(driver, "#passkey-create")
    # No wallet extension: the passkey is the first choice, above the wallet's button.
    assert "primary" in create.get_attribute("class")
    connect = driver.find_element(By.ID, "connect")
    assert "secondary" in connect.get_attribute("class")
    assert create.location["y"] < connect.location["y"]
    shoot(driver, "passkey-welcome")
    create.click()
    visible(driver, "#home", timeout=30)
    credentials = driver.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
    me = driver.execute_async_script(
        "const done = arguments[0]; fetch('/me').then((r) => r.json()).then(done, (e) => done(String(e)));")
    assert me["address"].startswith("0x") and len(me["address"]) == 42
    shoot(driver, "passkey-signed-in")

    account = me["address"]
    w3, card = card_contract(local_stack)
    token_id = card.events.Transfer().process_receipt(
        transact(w3, card.functions.issue(account, 0, 0), local_stack.accounts[0]))[0]["args"]["id"]
    wait_for_index(local_stack, account, lambda cards: len(cards) == 1)

    # Signed out and the page reloaded, the same passkey signs in again to the same account: the account's
    # signature of a sign-in message, checked through ERC-6492 (nothing is deployed for it).
    visible(driver, "#sign-out").click()
    driver.refresh()
    visible(driver, "#passkey-signin").click()
    visible(driver, "#home", timeout=30)
    again = driver.execute_async_script(
        "const done = arguments[0]; fetch('/me').then((r) => r.json()).then(done, (e) => done(String(e)));")
    assert again["address"] == account
    assert w3.eth.get_code(account) == b""

    # The demo poll, answered and signed with the passkey (no wallet in this browser).
    section(driver, "news")
    form = visible(driver, "form[data-ballot]", timeout=30)
    poll_id, voted_with = (int(part) for part in form.get_attribute("data-ballot").split(":"))
    assert voted_with == token_id
    tap(driver, form.find_element(By.CSS_SELECTOR, "input[type=radio]"))
    tap(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    voted = visible(driver, f"[data-poll='{poll_id}'] [data-voted='true']", timeout=30)
    assert voted.text == "Voted"
    shoot(driver, "passkey-voted")
    receipts = get_json(local_stack.url(f"/polls/{poll_id}/receipts"))
    mine = next(r for r in receipts if r["token_id"] == token_id)
    assert mine["signature"].endswith("6492" * 16)  # the account's ERC-6492 wrapper: it is not deployed


def test_unknown_authenticator_refused(browser_factory, local_stack):
    driver, authenticator = phone(browser_factory)
    open_page(driver, local_stack.url("/"))
    # A passkey for this site that the backend never registered (made on the authenticator directly).
    driver.execute_cdp_cmd("WebAuthn.addCredential", {"authenticatorId": authenticator, "credential": {
        "credentialId": "dW5rbm93bi1wYXNza2V5LWlk", "isResidentCredential": True, "rpId": "localhost",
        "privateKey": PKCS8_P256, "userHandle": "dXNlcg==", "signCount": 1}})
    visible(driver, "#passkey-signin").click()
    notice = wait(driver, lambda d: d.find_element(By.ID, "notice").text.strip(), timeout=30,
                  message="no refusal shown")
    assert "not registered" in notice
    assert driver.find_element(By.ID, "home").is_displayed() is False



# A server that would have the passkey sign another hash: the sign-in options' challenge, on their way to the
# page, replaced by 32 other bytes (the message stays). navigator.credentials.get is counted.
TAMPER_JS = r"""
const original = window.fetch;
window.__passkeyGets = 0;
const get = navigator.credentials.get.bind(navigator.credentials);
navigator.credentials.get = (options) => { window.__passkeyGets += 1; return get(options); };
window.fetch = async (input, init) => {
  const response = await original(input, init);
  if (!String(input).endsWith("/passkeys/signin/options") || !String(init && init.body).includes("credential_id")) {
    return response;
  }
  const body = await response.json();
  body.options.challenge = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
};
"""


def test_options_naming_another_challenge_are_not_signed(browser_factory, local_stack):
    driver, authenticator = phone(browser_factory)
    open_page(driver, local_stack.url("/"))
    visible(driver, "#passkey-create").click()
    visible(driver, "#home", timeout=30)
    visible(driver, "#sign-out").click()
    open_page(driver, local_stack.url("/"))

    def sign_count():
        (credential,) = driver.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
            "credentials"]
        return credential["signCount"]

    before = sign_count()
    driver.execute_script(TAMPER_JS)
    visible(driver, "#passkey-signin").click()
    notice = wait(driver, lambda d: d.find_element(By.ID, "notice").text.strip(), timeout=30,
                  message="no refusal shown")
    assert "Nothing was signed" in notice and "Reload the page" in notice
    assert driver.execute_script("return window.__passkeyGets") == 0  # the passkey was never asked
    assert sign_count() == before
    assert driver.find_element(By.ID, "home").is_displayed() is False

    # The same page, given the options as the server made them, signs in.
    open_page(driver, local_stack.url("/"))
    visible(driver, "#passkey-signin").click()
    visible(driver, "#home", timeout=30)
    assert sign_count() > before

# A throwaway P-256 private key (PKCS#8, base64), for the unregistered credential above.
def _pkcs8() -> str:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return base64.b64encode(key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())).decode()


PKCS8_P256 = _pkcs8()
