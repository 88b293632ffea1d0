"""The residency programme in the browser, on `make run`'s demo: a holder verifies their identity (development
provider), registers with 美祢市 (and 山口県), checks in to three activities by typing the rotating codes shown
on the organiser's screen, and becomes premium automatically; the organiser's QR screen for staff; in the
console, a city asks to be linked to 山口県 and the prefecture approves it (each decision confirmed first)."""

from __future__ import annotations

import json
import time
import urllib.request

from eth_account import Account
from eth_account.messages import encode_defunct
from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.web.holder_steps import section
from tests.web.webstack import get_json, japanese_in_english_mode, open_page, visible, wait

DEMO_STAFF = {"login": "admin", "password": "demo-admin-password"}


def staff_token(stack) -> str:
    request = urllib.request.Request(stack.url("/staff/login"), json.dumps(DEMO_STAFF).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


def current_code(stack, token: str, activity_id: int) -> str:
    request = urllib.request.Request(stack.url(f"/staff/activities/{activity_id}/qr"),
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["code"]


# anvil's development key of account 4 (stack.no_card_account): public knowledge, test chains only.
NO_CARD_KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"


def post_json(stack, path: str, body: dict) -> dict:
    request = urllib.request.Request(stack.url(path), json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def sign_in(driver, stack, key: str = NO_CARD_KEY):
    """Signs in with a real EIP-4361 signature of the account's key and hands the session to the browser.

    (The injected test wallet's RPC calls are refused by the page's CSP in this Chromium, so the wallet
    flow itself is left to the holder page's own tests; the residency section starts once signed in.)"""
    account = Account.from_key(key)
    message = post_json(stack, "/auth/nonce", {"address": account.address})["message"]
    signature = account.sign_message(encode_defunct(text=message)).signature.hex()
    token = post_json(stack, "/auth/siwe", {"message": message, "signature": "0x" + signature.removeprefix("0x")})
    open_page(driver, stack.url("/"))
    driver.add_cookie({"name": "resident_session", "value": token["token"], "path": "/"})
    open_page(driver, stack.url("/"))
    visible(driver, "#home")
    section(driver, "activities")


def type_code(driver, activity: int, code: str) -> None:
    """Chooses the activity, types the code and presses "Check in" (again if the section re-rendered meanwhile)."""
    for attempt in range(5):
        try:
            Select(visible(driver, "#residency-activity")).select_by_value(str(activity))
            code_input = visible(driver, "#residency-code")
            code_input.clear()
            code_input.send_keys(code)
            visible(driver, "#residency-code-submit").click()
            return
        except (StaleElementReferenceException, ElementNotInteractableException):
            time.sleep(0.3)
    raise AssertionError("the check-in form kept re-rendering")


def text_of(driver, css: str) -> str:
    """The element's text read in the page (sections re-render; a held element reference would go stale)."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css)


def notice_text(driver) -> str:
    visible(driver, "#residency-message .notice")
    return text_of(driver, "#residency-message")


def test_a_holder_checks_in_to_three_activities_and_becomes_premium(stack, browser, shoot):
    account = stack.no_card_account
    assert Account.from_key(NO_CARD_KEY).address == account
    driver = browser
    sign_in(driver, stack)
    visible(driver, "[data-residency-ready]")
    assert japanese_in_english_mode(driver) == []

    visible(driver, "#residency-verify").click()
    wait(driver, lambda d: "Identity verified" in text_of(d, "#residency-identity"),
         message="identity not verified")

    Select(visible(driver, "#residency-town")).select_by_visible_text("Mine City")
    assert driver.find_element(By.ID, "residency-with-prefecture").is_selected()
    assert "Yamaguchi Prefecture" in text_of(driver, "#residency-register")
    visible(driver, "#residency-register-button").click()
    wait(driver, lambda d: "card #" in text_of(d, "#residency-message"), timeout=30,
         message="registration did not issue cards")
    assert "Yamaguchi Prefecture" in notice_text(driver)
    mine = wait(driver, lambda d: text_of(d, "[data-progress]"), timeout=20, message="no progress for the Mine card")
    assert "Mine City" in mine and "0 of 3 activities this year" in mine
    shoot(driver, "residency-registered")

    token = staff_token(stack)
    activities = [int(o.get_attribute("value")) for o in
                  Select(visible(driver, "#residency-activity")).options]
    assert len(activities) >= 3
    for done, activity in enumerate(activities[:3], start=1):
        type_code(driver, activity, current_code(stack, token, activity))
        wait(driver, lambda d, n=done: f"{n} of 3 activities this year" in
             text_of(d, "#residency-message"), timeout=30, message=f"check-in {done} not shown")
    message = notice_text(driver)
    assert "You are now premium" in message, message
    premium = wait(driver, lambda d: text_of(d, "[data-progress][data-status=premium]"), timeout=20,
                   message="the card is not shown as premium")
    assert "Mine City" in premium and "Premium (until" in premium
    shoot(driver, "residency-premium")

    # The chain says so too (through the index): the Mine card is tier 1 now.
    def premium_in_index(_driver):
        cards = get_json(stack.url(f"/holders/{account}/cards"))
        return [c for c in cards if c.get("symbol") == "MINEDEMO" and c.get("tier") == 1]
    assert wait(driver, premium_in_index, timeout=20, message="the index does not show tier 1")

    # The same code twice is refused with the reason, in Japanese too.
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    type_code(driver, activities[0], current_code(stack, token, activities[0]))
    wait(driver, lambda d: "チェックイン済み" in text_of(d, "#residency-message"),
         message="the second check-in's refusal is not shown in Japanese")


def test_the_organisers_screen_shows_a_rotating_qr_after_staff_sign_in(stack, browser, shoot):
    open_page(browser, stack.url("/activity-qr?activity=1"))
    visible(browser, "#qr-user").send_keys(DEMO_STAFF["login"])
    browser.find_element(By.ID, "qr-password").send_keys(DEMO_STAFF["password"])
    browser.find_element(By.ID, "qr-signin").click()
    image = visible(browser, "#qr-image")
    first = wait(browser, lambda d: image.get_attribute("data-token"), message="no QR token")
    assert first.startswith("ra1.1.")
    wait(browser, lambda d: d.execute_script("return document.getElementById('qr-image').naturalWidth > 0"),
         message="the QR image did not load")
    assert text_of(browser, "#qr-notice") == ""
    assert "Clean-up around Akiyoshi-do Cave" in browser.find_element(By.ID, "qr-activity").text
    assert len(browser.find_element(By.ID, "qr-code").text) == 11
    assert japanese_in_english_mode(browser) == []
    shoot(browser, "residency-activity-qr")
    wait(browser, lambda d: image.get_attribute("data-token") != first, timeout=25, message="the QR did not rotate")


def staff_call(stack, token: str, method: str, path: str, body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(stack.url(path), data, {"Content-Type": "application/json",
                                                             "Authorization": f"Bearer {token}"}, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def console_residency(driver, stack):
    open_page(driver, stack.url("/console"))
    visible(driver, "#signin-login").send_keys(DEMO_STAFF["login"])
    driver.find_element(By.ID, "signin-password").send_keys(DEMO_STAFF["password"])
    driver.find_element(By.ID, "signin-submit").click()
    visible(driver, "#tab-residency").click()
    visible(driver, "#rc-town")


def pick_town(driver, name: str, ready: str) -> None:
    """Chooses the town in the residency tab and waits for its panels (`ready`: a selector only it has)."""
    Select(visible(driver, "#rc-town")).select_by_visible_text(name)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ready) and name in text_of(d, "#rc-town option:checked"),
         message=f"{name}'s residency panels did not load")


def link_item(driver, city: str) -> str:
    """The `data-link` id of the request of `city` shown to the prefecture."""
    return wait(driver, lambda d: next((e.get_attribute("data-link") for e in
                                        d.find_elements(By.CSS_SELECTOR, "#rc-link-requests [data-link]")
                                        if city in e.text), None), message=f"no request of {city}")


def test_a_city_asks_to_be_linked_and_the_prefecture_approves_in_the_console(stack, browser, shoot):
    token = staff_token(stack)
    hagi = staff_call(stack, token, "POST", "/staff/municipalities", {"name_ja": "萩市", "name_en": "Hagi City"})
    driver = browser
    console_residency(driver, stack)

    # The city's side: not linked; it asks 山口県 (from the keyboard).
    pick_town(driver, "Hagi City", "#rc-link-none")
    assert "Not linked to a prefecture" in text_of(driver, "#rc-link")
    Select(visible(driver, "#rc-link-prefecture")).select_by_visible_text("Yamaguchi Prefecture")
    visible(driver, "#rc-link-request").send_keys(Keys.ENTER)
    wait(driver, lambda d: "Waiting for the prefecture" in text_of(d, "#rc-link-current [data-status=pending]"),
         message="the request is not shown as waiting")
    assert "Yamaguchi Prefecture" in text_of(driver, "#rc-link-current")
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "residency-link-requested")
    listed = {m["id"]: m for m in get_json(stack.url("/residency/municipalities"))}
    assert listed[hagi["id"]]["prefecture_id"] is None  # asked, not linked

    # The prefecture's side: the request waits beside the linked demo city; declining asks first, Back undoes it.
    pick_town(driver, "Yamaguchi Prefecture", "#rc-link-requests")
    assert "Mine City" in text_of(driver, "#rc-link-cities")
    item = link_item(driver, "Hagi City")
    visible(driver, f'[data-link="{item}"] [data-decision="decline"]').send_keys(Keys.ENTER)
    wait(driver, lambda d: "Decline Hagi City's request?" in text_of(d, f'[data-link="{item}"]'),
         message="declining did not ask first")
    assert driver.switch_to.active_element.get_attribute("data-confirm") == "decline"
    visible(driver, f'[data-link="{item}"] [data-confirm="back"]').send_keys(Keys.ENTER)
    wait(driver, lambda d: d.switch_to.active_element.get_attribute("data-decision") == "decline",
         message="Back did not return to the decline button")
    assert "Waiting for the prefecture" in text_of(driver, f'[data-link="{item}"]')

    visible(driver, f'[data-link="{item}"] [data-decision="approve"]').send_keys(Keys.ENTER)
    wait(driver, lambda d: "Link Hagi City to Yamaguchi Prefecture?" in text_of(d, f'[data-link="{item}"]'),
         message="approving did not ask first")
    shoot(driver, "residency-link-confirm")
    # no message to show yet: nothing in its place (it once read "null")
    assert "null" not in driver.find_element(By.ID, "tab-panel").text.split()
    active = driver.switch_to.active_element
    assert active.get_attribute("data-confirm") == "approve"
    active.send_keys(Keys.ENTER)
    wait(driver, lambda d: "Hagi City is linked." in text_of(d, "#tab-panel .notice"),
         message="the approval was not confirmed")
    wait(driver, lambda d: "Hagi City" in text_of(d, "#rc-link-cities"), message="Hagi is not among the cities")
    assert "No request is waiting" in text_of(driver, "#rc-link-requests")
    listed = {m["id"]: m for m in get_json(stack.url("/residency/municipalities"))}
    linked = listed[hagi["id"]]["prefecture_id"]
    assert linked is not None and listed[linked]["name_en"] == "Yamaguchi Prefecture"

    # In Japanese too, in place (the town picked stays).
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: "紐付いている市区町村" in text_of(d, "#rc-link") and "萩市" in text_of(d, "#rc-link-cities"),
         message="the prefecture's panel is not in Japanese")
    shoot(driver, "residency-link-approved")

    # The city sees it linked.
    pick_town(driver, "萩市", "#rc-link-current [data-status=approved]")
    assert "紐付け中" in text_of(driver, "#rc-link-current")
    hagi_links = staff_call(stack, token, "GET", f"/staff/municipalities/{hagi['id']}/prefecture-links")
    assert [x["status"] for x in hagi_links] == ["approved"]
