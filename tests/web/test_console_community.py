"""The console's forum tab in Chromium against `make run`'s stack: an admin registers a Discourse forum and sees
its own DiscourseConnect secret exactly once (copy button, where to paste it in Discourse), the secret really is
the one /forum/sso checks, rotating it (after a confirm step) replaces it, a prefix too long for Discourse's
group names is refused in both languages, and a viewer sees the list only.

Screenshots go to test-artifacts/screens/console-community-*.png."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from urllib.parse import urlencode

from selenium.webdriver.common.by import By

from tests.web.test_console import (
    new_viewer, call, no_sideways_scroll, open_tab, sign_in, staff_token, wait_for_item,
)
from tests.web.webstack import japanese_in_english_mode, visible, wait


def sso_status(stack, forum_url: str, secret: str) -> tuple[int, str]:
    """/forum/sso asked as Discourse asks, signed with `secret`, by a client without a holder session: 401
    when the signature holds (the holder must sign in), 400 when it does not."""
    payload = base64.encodebytes(urlencode({"nonce": uuid.uuid4().hex,
                                            "return_sso_url": f"{forum_url}/session/sso_login"}).encode()).decode()
    sig = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    status, body = call(stack, "GET", "/forum/sso?" + urlencode({"sso": payload, "sig": sig}))
    return status, body["code"]


def shown_secret(driver) -> str:
    secret = visible(driver, "#community-secret").get_attribute("value")
    assert re.fullmatch(r"[0-9a-f]{64}", secret), secret
    return secret


def test_an_admin_registers_a_forum_and_sees_its_secret_once(stack, browser, shoot):
    driver = browser
    forum_url = f"https://forum-{uuid.uuid4().hex[:8]}.mine.example"
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "community")
    visible(driver, "#community-form")

    # A prefix whose group names Discourse would refuse: said in the page, nothing registered.
    visible(driver, "#community-url").send_keys(forum_url)
    driver.find_element(By.ID, "community-name").send_keys("Mine residents")
    driver.find_element(By.ID, "community-prefix").send_keys("minecityforum")
    driver.find_element(By.ID, "community-register").click()
    problem = visible(driver, "#community-message")
    assert "at most 20 characters" in problem.text and "at most 12" in problem.text
    assert not driver.find_elements(By.ID, "community-secret")
    shoot(driver, "console-community-prefix-too-long")

    prefix = driver.find_element(By.ID, "community-prefix")  # what was typed is still there
    assert driver.find_element(By.ID, "community-url").get_attribute("value") == forum_url
    prefix.clear()
    prefix.send_keys("minecity")
    driver.find_element(By.ID, "community-register").click()
    secret = shown_secret(driver)
    assert driver.switch_to.active_element.get_attribute("id") == "community-secret"  # the keyboard is there
    steps = visible(driver, "#community-steps").text
    assert "discourse connect secret" in steps and "discourse connect url" in steps
    assert visible(driver, "#community-sso-url").text == stack.url("/forum/sso")
    assert "minecity_holders" in steps and "minecity_tier_1" in steps
    assert "shown only now" in driver.find_element(By.ID, "community-secret-once").text
    copy = driver.find_element(By.ID, "community-secret-copy")
    copy.click()
    wait(driver, lambda d: copy.get_attribute("data-copied") == "true" and copy.text == "Copied")
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "console-community-secret")
    no_sideways_scroll(driver)

    # It is the forum's own secret: /forum/sso accepts what it signs, and nothing else.
    assert sso_status(stack, forum_url, secret) == (401, "not_signed_in")
    assert sso_status(stack, forum_url, "not-the-secret") == (400, "sso_bad_request")

    # Shown once: dismissed, or the tab opened again, it is nowhere in the page.
    driver.find_element(By.ID, "community-secret-done").click()
    wait(driver, lambda d: not d.find_elements(By.ID, "community-secret"))
    assert secret not in driver.page_source
    open_tab(driver, "overview")
    open_tab(driver, "community")
    row = wait_for_item(driver, "#community-forums tbody tr", forum_url)
    assert "Mine residents" in row.text and "Issued" in row.text
    assert secret not in driver.page_source
    shoot(driver, "console-community-list")

    # Rotating asks first; cancelling keeps the secret, confirming replaces it (the old one stops at once).
    forum_id = row.get_attribute("data-forum")
    row.find_element(By.CSS_SELECTOR, "[data-rotate]").click()
    visible(driver, f"[data-rotate-confirm='{forum_id}']")
    assert driver.switch_to.active_element.get_attribute("data-rotate-confirm") == forum_id
    shoot(driver, "console-community-rotate-confirm")
    driver.find_element(By.CSS_SELECTOR, f"[data-rotate-cancel='{forum_id}']").click()
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, f"[data-rotate-confirm='{forum_id}']"))
    assert sso_status(stack, forum_url, secret) == (401, "not_signed_in")
    driver.find_element(By.CSS_SELECTOR, f"[data-rotate='{forum_id}']").click()
    visible(driver, f"[data-rotate-confirm='{forum_id}']").click()
    rotated = shown_secret(driver)
    assert rotated != secret
    assert sso_status(stack, forum_url, secret) == (400, "sso_bad_request")
    assert sso_status(stack, forum_url, rotated) == (401, "not_signed_in")

    # The tab follows the language.
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: "コミュニティフォーラム" in d.find_element(By.CSS_SELECTOR, "#tab-panel h2").text)
    assert "今だけ表示" in visible(driver, "#community-secret-once").text
    shoot(driver, "console-community-secret-ja")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()


def test_a_viewer_sees_the_forums_but_no_form_and_no_secret(stack, browser):
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    collection = call(stack, "GET", f"/staff/municipalities/{mid}/collections", token=token)[1][0]["id"]
    forum_url = f"https://viewers-{uuid.uuid4().hex[:8]}.mine.example"
    status, body = call(stack, "POST", f"/staff/municipalities/{mid}/forums",
                        {"collection_id": collection, "url": forum_url, "name": "Read only"}, token=token)
    assert status == 200, body
    login, password = new_viewer(stack, mid)
    driver = browser
    sign_in(driver, stack, login, password)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "community")
    wait_for_item(driver, "#community-forums tbody tr", forum_url)
    assert visible(driver, "#community-viewer-note").text == "An admin registers forums and rotates their secrets."
    assert not driver.find_elements(By.ID, "community-form")
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-rotate]")
    assert body["secret"] not in driver.page_source
