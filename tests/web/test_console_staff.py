"""Staff accounts in the console, in headless Chromium against `make run`'s stack: an admin invites by a
one-time link, the invitee accepts it in a fresh browser and signs in with the role; the admin changes the
role and deactivates the account (confirm steps, by keyboard) and the invitee's session ends; a one-time
password is replaced at first sign-in; two-step sign-in is turned on (codes computed with pyotp) and then
asked for at sign-in.

Screenshots go to test-artifacts/screens/console-staff-*.png."""

from __future__ import annotations

import time
import uuid

import pyotp
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.web.test_console import call, no_sideways_scroll, open_tab, sign_in, staff_token, wait_for_item
from tests.web.webstack import japanese_in_english_mode, open_page, visible, wait

PASSWORD = "a long enough passphrase"


def first_municipality(stack) -> dict:
    status, towns = call(stack, "GET", "/staff/municipalities", token=staff_token(stack))
    assert status == 200 and towns, towns
    return towns[0]


def row_of(driver, username):
    return wait_for_item(driver, "#staff-list tbody tr", username)


def session_status(driver) -> int:
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch("/staff/me", {credentials: "same-origin"}).then((r) => done(r.status));""")


def test_an_admin_invites_by_link_and_the_invitee_joins_with_the_role(stack, browser, browser_factory, shoot):
    admin = browser
    town = first_municipality(stack)
    sign_in(admin, stack)
    open_tab(admin, "staff")
    visible(admin, "#invite-form")
    Select(admin.find_element(By.ID, "invite-role")).select_by_value("viewer")
    admin.find_element(By.ID, "invite-submit").click()
    secret = visible(admin, "#invite-secret")
    url = secret.get_attribute("value")
    assert url.startswith(stack.url("/console/invite#token=")), url
    assert admin.switch_to.active_element.get_attribute("id") == "invite-copy"  # focus on the copy button
    admin.find_element(By.ID, "invite-copy").click()
    wait(admin, lambda d: "Copied." in d.find_element(By.ID, "invite-result").text)
    wait_for_item(admin, "#invite-list li", "Viewer")
    shoot(admin, "console-staff-invite-link")
    assert japanese_in_english_mode(admin) == []

    # The invitee, in a browser of their own (no cookie of the admin's), by keyboard.
    invitee = browser_factory()
    open_page(invitee, url)
    offer = visible(invitee, "#invite-offer")
    assert "Viewer" in offer.text and town["name_en"] in offer.text
    username = f"new-{uuid.uuid4().hex[:8]}"
    focused = invitee.switch_to.active_element
    assert focused.get_attribute("id") == "invite-username"
    focused.send_keys(username, Keys.TAB, "Hana Hayashi", Keys.TAB, PASSWORD, Keys.TAB, PASSWORD, Keys.ENTER)
    done = visible(invitee, "#invite-done")
    assert username in done.text and "Viewer" in done.text
    shoot(invitee, "console-staff-invite-accepted")
    invitee.get("about:blank")  # (the same URL again would only move to its fragment, without a reload)
    open_page(invitee, url)  # the link worked once
    assert "unknown, used or expired" in visible(invitee, "#invite-status .notice").text
    sign_in(invitee, stack, username, PASSWORD)
    visible(invitee, "#tab-staff")
    status, me = call(stack, "GET", "/staff/me", token=call(stack, "POST", "/staff/login",
                                                            {"login": username, "password": PASSWORD})[1]["token"])
    assert me["roles"] == [{"municipality_id": town["id"], "role": "viewer"}]
    open_tab(invitee, "staff")
    visible(invitee, "#password-form")
    assert invitee.find_elements(By.ID, "staff-list") == []  # a viewer manages nobody

    # The admin makes them staff, then deactivates the account: each after a confirm step, by keyboard.
    open_tab(admin, "overview")
    open_tab(admin, "staff")
    row = row_of(admin, username)
    Select(row.find_element(By.CSS_SELECTOR, "select")).select_by_value("staff")
    row.find_element(By.CSS_SELECTOR, "[data-action=role]").click()
    confirm = visible(admin, "#staff-list [data-action=confirm]")
    assert admin.switch_to.active_element == confirm
    shoot(admin, "console-staff-confirm")
    confirm.send_keys(Keys.ENTER)
    wait(admin, lambda d: row_of(d, username).find_element(By.CSS_SELECTOR, "[data-role]").text == "Staff")
    row_of(admin, username).find_element(By.CSS_SELECTOR, "[data-action=deactivate]").click()
    visible(admin, "#staff-list [data-action=cancel]").send_keys(Keys.ENTER)  # cancelled: nothing happens
    assert "Active" in row_of(admin, username).text
    assert session_status(invitee) == 200
    row_of(admin, username).find_element(By.CSS_SELECTOR, "[data-action=deactivate]").click()
    visible(admin, "#staff-list [data-action=confirm]").send_keys(Keys.ENTER)
    wait(admin, lambda d: "Deactivated" in row_of(d, username).text)
    assert session_status(invitee) == 401  # their open session ended
    status, body = call(stack, "POST", "/staff/login", {"login": username, "password": PASSWORD})
    assert status == 401, body
    shoot(admin, "console-staff-deactivated")
    no_sideways_scroll(admin)

    admin.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(admin, lambda d: "無効" in row_of(d, username).text)
    assert admin.find_element(By.ID, "tab-staff").text == "スタッフ"
    shoot(admin, "console-staff-ja")
    admin.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()


def test_a_one_time_password_is_replaced_then_two_step_sign_in_is_asked_for(stack, browser, shoot):
    town = first_municipality(stack)
    username = f"otp-{uuid.uuid4().hex[:8]}"
    status, invited = call(stack, "POST", f"/staff/municipalities/{town['id']}/invites",
                           {"role": "admin", "method": "password", "username": username}, token=staff_token(stack))
    assert status == 201 and invited["kind"] == "password", invited
    driver = browser
    sign_in(driver, stack, username, invited["password"])
    visible(driver, "#first-password")
    assert driver.find_element(By.ID, "console").is_displayed() is False
    shoot(driver, "console-staff-first-password")
    driver.find_element(By.ID, "first-current").send_keys(invited["password"])
    driver.find_element(By.ID, "first-new").send_keys(PASSWORD)
    driver.find_element(By.ID, "first-again").send_keys(PASSWORD, Keys.ENTER)
    open_tab(driver, "staff")

    visible(driver, "#totp-start").click()
    secret = visible(driver, "#totp-secret").text
    assert visible(driver, "#totp-qr").get_attribute("src").startswith("data:image/svg+xml")
    assert driver.find_element(By.ID, "totp-uri").get_attribute("href").startswith("otpauth://totp/")
    shoot(driver, "console-staff-totp-enrol")
    otp = pyotp.TOTP(secret)
    driver.find_element(By.ID, "totp-code").send_keys(otp.now(), Keys.ENTER)
    wait(driver, lambda d: d.find_element(By.ID, "totp-status").get_attribute("data-on") == "true")
    assert visible(driver, "#staff-notice-totp").text.startswith("Two-step sign-in is on")

    driver.find_element(By.ID, "signout").click()
    sign_in(driver, stack, username, PASSWORD)  # no code: the same answer as a wrong password
    assert visible(driver, "#signin-error").text == "Wrong login or password."
    driver.find_element(By.ID, "signin-password").send_keys(PASSWORD)
    # The code used to confirm is spent; the next step's code is accepted (clocks drift by one step).
    driver.find_element(By.ID, "signin-code").send_keys(otp.at(time.time() + 30), Keys.ENTER)
    visible(driver, "#tab-staff")
    assert driver.find_element(By.ID, "who").text == username
    shoot(driver, "console-staff-signed-in-with-code")
