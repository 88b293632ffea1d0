"""The console's civic tab in Chromium on `make run`'s demo: staff create a poll with the form, see it listed,
open its results (turnout), download the ballots CSV (UTF-8 BOM), and post an announcement that a holder's
API then lists. Screenshots: civic-console-*.png."""

from __future__ import annotations

import json
import time
import urllib.request

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By

from tests.web.webstack import open_page, visible, wait

STAFF = ("admin", "demo-admin-password")


def staff_sign_in(driver, stack):
    open_page(driver, stack.url("/console"))
    visible(driver, "#signin-login").send_keys(STAFF[0])
    driver.find_element(By.ID, "signin-password").send_keys(STAFF[1])
    driver.find_element(By.ID, "signin-submit").click()
    visible(driver, "#tab-civic").click()
    visible(driver, "#poll-form")


def text_of(driver, css: str) -> str:
    """The element's text, or "" while the tab is redrawing it (the element found a moment ago may be gone)."""
    try:
        return driver.find_element(By.CSS_SELECTOR, css).text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def fill_field(driver, element_id: str, text: str):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def fetch_in_page(driver, path: str) -> dict:
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: "same-origin"}).then(async (r) => {
          const bytes = new Uint8Array(await r.arrayBuffer());
          done({status: r.status, head: Array.from(bytes.slice(0, 3)), text: new TextDecoder("utf-8").decode(bytes.slice(3))});
        }).catch((e) => done({error: String(e)}));""", path)


def test_staff_create_a_poll_see_results_and_post_news(stack, browser, shoot):
    driver = browser
    staff_sign_in(driver, stack)
    title = f"Night bus trial {int(time.time())}"
    fill_field(driver, "poll-title-ja", "夜間バスの試験運行")
    fill_field(driver, "poll-title-en", title)
    fill_field(driver, "q1-ja", "試験運行に賛成ですか")
    fill_field(driver, "q1-en", "Do you support the trial?")
    fill_field(driver, "q1-options", "賛成 | Yes\n反対 | No")
    driver.find_element(By.ID, "poll-create").click()
    wait(driver, lambda d: title in text_of(d, "#poll-table tbody"), message="the new poll is not listed")
    row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "#poll-table tbody tr") if title in r.text)
    assert "Open" in row.text
    shoot(driver, "civic-console-polls")
    poll_id = int(row.get_attribute("data-poll"))
    driver.find_element(By.CSS_SELECTOR, f"#poll-table tr[data-poll='{poll_id}'] button").click()
    results = visible(driver, "#poll-results")
    assert "Turnout 0.0% (0 of" in results.text and "Yes" in results.text
    csv = fetch_in_page(driver, f"/staff/polls/{poll_id}/results.csv")
    assert csv["status"] == 200 and csv["head"] == [0xEF, 0xBB, 0xBF]
    assert csv["text"].startswith("投票日時（日本時間）,トークンID")

    fill_field(driver, "news-title-ja", "夜間バスのお知らせ")
    fill_field(driver, "news-title-en", "Night bus news")
    fill_field(driver, "news-body-ja", "来月から試験運行します。")
    fill_field(driver, "news-body-en", "The trial starts next month.")
    driver.find_element(By.ID, "news-post").click()
    wait(driver, lambda d: "Night bus news" in text_of(d, "#news-list"),
         message="the announcement is not listed")
    shoot(driver, "civic-console-news")
    with urllib.request.urlopen(stack.url(f"/polls/{poll_id}"), timeout=5) as response:
        assert json.load(response)["title_en"] == title
