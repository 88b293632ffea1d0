"""The staff console in headless Chromium against `make run`'s stack: sign-in (wrong password, "try again in
N s" after too many), the KPI charts and their tables against the API, perks and venues (create, the national
rule refusal, a desk login whose one-time password really signs in), CSV downloads for Excel, and the ja/en
switch.

Screenshots of every state at 375 and 1280 px go to test-artifacts/screens/console-*.png."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.web.webstack import ROOT, JAPANESE, japanese_in_english_mode, open_page, visible, visible_texts, wait

STAFF = ("admin", "demo-admin-password")
# anvil's dev key of account 3 (public test key): scripts/demo.py gives it a basic card without expiry.
HOLDER_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"
COWORK_DESK = ("cowork-desk", "demo-cowork-password")


# --- HTTP helpers (the API as another client sees it) ----------------------------------------------------
def call(stack, method: str, path: str, body=None, token: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(stack.url(path), data, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def staff_token(stack) -> str:
    status, body = call(stack, "POST", "/staff/login", {"login": STAFF[0], "password": STAFF[1]})
    assert status == 200, body
    return body["token"]


def redeem_once(stack) -> None:
    """A holder gets a pass for the coworking perk and the coworking desk redeems it (a real redemption)."""
    holder = Account.from_key(HOLDER_KEY)
    status, nonce = call(stack, "POST", "/auth/nonce", {"address": holder.address})
    assert status == 200, nonce
    signature = holder.sign_message(encode_defunct(text=nonce["message"])).signature.hex()
    status, session = call(stack, "POST", "/auth/siwe", {"message": nonce["message"],
                                                         "signature": "0x" + signature.removeprefix("0x")})
    assert status == 200, session
    status, perks = call(stack, "GET", "/me/perks", token=session["token"])
    cowork = next(p for p in perks if p["perk"]["name_en"].startswith("Coworking"))
    status, issued = call(stack, "POST", f"/me/perks/{cowork['perk']['id']}/pass",
                          {"collection": cowork["collection_id"], "token_id": cowork["token_id"]},
                          token=session["token"])
    assert status == 200, issued
    status, desk = call(stack, "POST", "/venue/login", {"login": COWORK_DESK[0], "password": COWORK_DESK[1]})
    assert status == 200, desk
    status, answer = call(stack, "POST", "/venue/redeem", {"pass": issued["pass"]}, token=desk["token"])
    assert status == 200 and answer["ok"], answer


# --- browser helpers -------------------------------------------------------------------------------------
def sign_in(driver, stack, login=STAFF[0], password=STAFF[1]):
    open_page(driver, stack.url("/console"))
    visible(driver, "#signin-login").send_keys(login)
    driver.find_element(By.ID, "signin-password").send_keys(password)
    driver.find_element(By.ID, "signin-submit").click()


def open_tab(driver, tab: str):
    visible(driver, f"#tab-{tab}").click()
    wait(driver, lambda d: d.find_element(By.ID, "tab-panel").get_attribute("data-tab") == tab
         and d.find_elements(By.CSS_SELECTOR, "#tab-panel .tab-body > *"), message=f"tab {tab} did not open")


def wait_for_item(driver, css: str, text: str):
    """The first element matching `css` whose text contains `text`, once there (the lists are redrawn after
    each change, so an element found a moment ago may be gone: look again)."""
    def found(d):
        try:
            return next((e for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text), False)
        except StaleElementReferenceException:
            return False
    return wait(driver, found, message=f"no {css!r} with {text!r}")


def fetch_in_page(driver, path: str) -> dict:
    """GETs `path` from the page with its session cookie: status, content type and the first bytes."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: "same-origin"}).then(async (r) => {
          const bytes = new Uint8Array(await r.arrayBuffer());
          done({status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"),
                head: Array.from(bytes.slice(0, 3)), text: new TextDecoder("utf-8").decode(bytes.slice(3))});
        }).catch((e) => done({error: String(e)}));""", path)


def widest(driver, limit: int) -> str:
    """The deepest elements whose right edge passes `limit` px, to say in a failure what overflows."""
    return driver.execute_script("""
        const limit = arguments[0];
        const scrolls = (e) => { for (let a = e.parentElement; a; a = a.parentElement) {
          if (["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX)) return true; } return false; };
        const over = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > limit
          && !scrolls(e) && ![...e.children].some((c) => c.getBoundingClientRect().right > limit));
        return over.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${e.className}`
          + ` (${Math.round(e.getBoundingClientRect().right)} px)`).join(", ");""", limit)


def no_sideways_scroll(driver):
    """At 375 px the page itself never scrolls sideways (wide tables scroll inside their own box)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    try:
        def page_width(d):
            return d.execute_script("return document.documentElement.scrollWidth")
        # The charts follow a new width on their next resize callback: the page is given a moment to settle.
        try:
            wait(driver, lambda d: page_width(d) <= 376, timeout=5)
        except TimeoutException:
            pass
        width = page_width(driver)
        assert width <= 376, f"the page is {width} px wide at 375 px: {widest(driver, 376)}"
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# --- tests -----------------------------------------------------------------------------------------------
def seconds_in(text: str) -> int:
    found = re.search(r"(\d+) ?(s\b|秒)", text)
    assert found, text
    return int(found.group(1))


def test_a_wrong_password_says_so_and_too_many_say_when_to_try_again(stack, browser, shoot):
    """Five wrong passwords for an account from this address: the right one waits too, and the console says for
    how long, counting down (ja/en), then lets the person in. Before, ten wrong passwords locked the account for
    15 minutes from everywhere, and the console said only that it was locked."""
    # a second account (the admin of the other tests is not slowed), and five wrong passwords from here
    login = f"slow{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "RESIDENT_DATA_DIR": str(stack.data_dir), "RESIDENT_ADMIN_PASSWORD": "a-long-password-1"}
    done = subprocess.run([sys.executable, "-m", "backend.auth.staff", "create-admin", "--username", login,
                           "--municipality", "mine-city"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for _ in range(5):
        assert call(stack, "POST", "/staff/login", {"login": login, "password": "wrong-password-x"})[0] == 401

    driver = browser
    open_page(driver, stack.url("/console"))
    shoot(driver, "console-signin-en")
    sign_in(driver, stack, password="not-the-password")
    error = visible(driver, "#signin-error")
    assert error.text == "Wrong login or password."
    assert driver.find_element(By.ID, "console").is_displayed() is False
    shoot(driver, "console-signin-wrong-password")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()  # the message follows the language
    assert error.text == "ログインまたはパスワードが正しくありません。"
    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()

    driver.find_element(By.ID, "signin-login").clear()
    driver.find_element(By.ID, "signin-login").send_keys(login)
    assert driver.find_element(By.ID, "signin-password").get_attribute("value") == ""  # cleared after the failure
    driver.find_element(By.ID, "signin-password").send_keys("a-long-password-1")  # the right one: it waits too
    driver.find_element(By.ID, "signin-submit").click()
    wait(driver, lambda d: "Try again in" in d.find_element(By.ID, "signin-error").text)
    assert re.fullmatch(r"Too many failed sign-ins\. Try again in \d+ s\.", error.text), error.text
    first = seconds_in(error.text)
    assert 1 < first <= 60
    submit = driver.find_element(By.ID, "signin-submit")
    assert not submit.is_enabled()  # no point pressing it before then
    shoot(driver, "console-signin-throttled")
    wait(driver, lambda d: seconds_in(d.find_element(By.ID, "signin-error").text) <= first - 2, timeout=6,
         message="the wait does not count down")
    assert error.get_attribute("role") is None  # read out once, not at every second
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    assert re.fullmatch(r"サインインの失敗が続いたため、\d+ 秒後にもう一度お試しください。", error.text), error.text
    shoot(driver, "console-signin-throttled-ja")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()

    wait(driver, lambda d: d.find_element(By.ID, "signin-error").text == "You can sign in again now.",
         timeout=first + 5, message="the countdown did not end")
    assert submit.is_enabled() and error.get_attribute("role") == "alert"
    driver.find_element(By.ID, "signin-password").send_keys("a-long-password-1")
    submit.click()
    visible(driver, "#console")
    assert driver.find_element(By.ID, "who").text == login


def test_staff_see_the_kpis_and_charts_with_the_numbers_of_the_api(stack, browser, shoot):
    redeem_once(stack)
    token = staff_token(stack)
    driver = browser
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    assert driver.find_element(By.ID, "municipality-name").text == "Mine City"
    assert driver.find_element(By.CSS_SELECTOR, "#tab-overview").get_attribute("aria-selected") == "true"
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    kpis = call(stack, "GET", f"/staff/municipalities/{mid}/kpis", token=token)[1]
    series = call(stack, "GET", f"/staff/municipalities/{mid}/kpis/series?days=30", token=token)[1]
    assert kpis["cards_issued"] >= 3 and series["redemptions"]["total"][-1] >= 1

    cards = {e.get_attribute("data-kpi"): e.find_element(By.CSS_SELECTOR, ".kpi-value").text
             for e in driver.find_elements(By.CSS_SELECTOR, "#kpi-cards .kpi")}
    assert cards["cards_issued"] == f"{kpis['cards_issued']:,}"
    assert cards["unique_holders"] == f"{kpis['unique_holders']:,}"
    assert cards["redemptions_30d"] == f"{kpis['redemptions_30d']:,}"
    programme = kpis["programme"]  # the residency programme's figures are in the same overview
    assert cards["checkins_30d"] == f"{programme['checkins_30d']:,}"
    assert cards["premium_cards"] == f"{programme['premium_cards']:,}"
    assert cards["premium_renewed_365d"] == f"{programme['premium_renewed_365d']:,}"
    assert cards["turnout_last_poll"] == ("—" if programme["turnout_last_poll"] is None
                                          else f"{programme['turnout_last_poll'] * 100:.1f}%")

    # every chart is drawn by Chart.js on its canvas
    for chart in ("cards", "by-perk", "by-venue", "concentration"):
        drawn = driver.execute_script(
            "const c = document.getElementById('chart-' + arguments[0]); const chart = c && Chart.getChart(c);"
            "return chart ? chart.data.datasets.length : 0", chart)
        assert drawn > 0, chart

    def table(chart):
        rows = driver.find_elements(By.CSS_SELECTOR, f"table[data-chart='{chart}'] tbody tr")
        found = [(r.find_element(By.CSS_SELECTOR, "th").get_attribute("data-day"),
                  [float(td.get_attribute("data-value")) for td in r.find_elements(By.CSS_SELECTOR, "td")])
                 for r in rows]
        assert [day for day, _ in found] == sorted((day for day, _ in found), reverse=True)  # newest first
        return found[::-1]

    cards_table = table("cards")
    assert [day for day, _ in cards_table] == series["days"]
    assert [v for _, v in cards_table] == [list(x) for x in zip(series["cards"]["issued"], series["cards"]["valid"],
                                                                 series["cards"]["unique_holders"])]
    by_venue = table("by-venue")
    venue_counts = [row["counts"] for row in series["redemptions"]["by_venue"]]
    assert [v for _, v in by_venue] == [list(x) for x in zip(*venue_counts)]
    conc = table("concentration")
    assert [v[0] for _, v in conc] == series["cards"]["top10_share"]
    assert [v[2] for _, v in conc] == series["cards"]["gini"]
    shoot(driver, "console-overview-en")

    # the numbers, opened: the table is visible text, in a box that scrolls on a phone
    driver.find_element(By.CSS_SELECTOR, "#figure-by-venue summary").click()
    head = driver.find_elements(By.CSS_SELECTOR, "table[data-chart='by-venue'] thead th")
    assert [h.text for h in head][1:] == [row["name_en"] for row in series["redemptions"]["by_venue"]]
    no_sideways_scroll(driver)
    shoot(driver, "console-overview-table")

    Select(driver.find_element(By.ID, "overview-days")).select_by_value("7")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "table[data-chart='cards'] tbody tr")) == 7)
    # nothing went wrong on the way: no script error, no refused CSP, no failed request
    severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
              and "/staff/me - Failed to load resource: the server responded with a status of 401" not in e["message"]]
    # (that 401 is the page asking whether a session exists before the sign-in form)
    assert severe == [], severe


def test_staff_create_a_venue_with_a_desk_login_and_a_perk_and_goods_are_refused(stack, browser, shoot):
    driver = browser
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "perks")
    visible(driver, "#perk-table")
    shoot(driver, "console-perks")

    suffix = uuid.uuid4().hex[:6]
    venue_en = f"Akiyoshi Museum {suffix}"
    driver.find_element(By.ID, "venue-name-ja").send_keys(f"秋吉台博物館 {suffix}")
    driver.find_element(By.ID, "venue-name-en").send_keys(venue_en)
    driver.find_element(By.ID, "venue-save").click()
    item = wait_for_item(driver, "#venue-list > li", venue_en)
    venue_id = item.get_attribute("data-venue")
    login = f"museum-{suffix}"
    visible(driver, f"#account-login-{venue_id}").send_keys(login)
    item.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    password = visible(driver, "#new-password code").get_attribute("data-password")
    assert len(password) == 16
    shoot(driver, "console-venue-password-once")
    # the password shown once really opens the desk
    status, desk = call(stack, "POST", "/venue/login", {"login": login, "password": password})
    assert status == 200, desk
    # ... and disabling the login ends that
    account = driver.find_element(By.CSS_SELECTOR, f"[data-account='{login}'] [data-action='disable']")
    account.click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-account='{login}'] [data-action='enable']"))
    assert not driver.find_elements(By.ID, "new-password")  # shown once: gone after the next change
    assert call(stack, "POST", "/venue/login", {"login": login, "password": password})[0] == 401

    # a perk at the new venue
    driver.find_element(By.ID, "perk-add").click()
    visible(driver, "#perk-form")
    driver.find_element(By.ID, "perk-name-ja").send_keys(f"博物館 入館無料 {suffix}")
    driver.find_element(By.ID, "perk-name-en").send_keys(f"Museum: free entry {suffix}")
    Select(driver.find_element(By.ID, "perk-kind")).select_by_value("venue_entry")
    Select(driver.find_element(By.ID, "perk-period")).select_by_value("year")
    count = driver.find_element(By.ID, "perk-count")
    count.clear()
    count.send_keys("4")
    driver.find_element(By.CSS_SELECTOR, f"#perk-venues input[value='{venue_id}']").click()
    shoot(driver, "console-perk-form")
    driver.find_element(By.ID, "perk-save").click()
    row = wait_for_item(driver, "#perk-table tbody tr", f"Museum: free entry {suffix}")
    assert "4 a year" in row.text and venue_en in row.text
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    perks = call(stack, "GET", f"/staff/municipalities/{mid}/perks", token=token)[1]
    made = next(p for p in perks if p["name_en"] == f"Museum: free entry {suffix}")
    assert (made["kind"], made["limit_count"], made["limit_period"]) == ("venue_entry", 4, "year")
    assert [v["id"] for v in made["venues"]] == [int(venue_id)]

    # edit it (the form opens with its values), then pause it
    row.find_element(By.CSS_SELECTOR, "[data-action='edit']").click()
    assert visible(driver, "#perk-name-en").get_attribute("value") == f"Museum: free entry {suffix}"
    count = driver.find_element(By.ID, "perk-count")
    assert count.get_attribute("value") == "4"
    count.clear()
    count.send_keys("6")
    driver.find_element(By.ID, "perk-save").click()
    row = wait_for_item(driver, f"tr[data-perk='{made['id']}']", "6 a year")
    row.find_element(By.CSS_SELECTOR, "[data-action='pause']").click()
    wait_for_item(driver, f"tr[data-perk='{made['id']}']", "Paused")
    perks = call(stack, "GET", f"/staff/municipalities/{mid}/perks", token=token)[1]
    made = next(p for p in perks if p["id"] == made["id"])
    assert (made["limit_count"], made["active"]) == (6, False)
    no_sideways_scroll(driver)

    # goods sent by post: the backend refuses with the national rule, shown in the form
    driver.find_element(By.ID, "perk-add").click()
    driver.find_element(By.ID, "perk-name-ja").send_keys("特産品の発送")
    driver.find_element(By.ID, "perk-name-en").send_keys("Local goods by post")
    Select(driver.find_element(By.ID, "perk-kind")).select_by_value("shipped_goods")
    driver.find_element(By.ID, "perk-save").click()
    refusal = visible(driver, "#perk-form-error .notice.error")
    assert refusal.get_attribute("data-code") == "perk_invalid"
    assert "never goods shipped to the holder" in refusal.text
    assert not any("Local goods by post" in r.text for r in driver.find_elements(By.CSS_SELECTOR, "#perk-table tbody tr"))
    shoot(driver, "console-perk-refused-en")
    # closing a venue meanwhile keeps the open form as it is
    driver.find_element(By.CSS_SELECTOR, f"li[data-venue='{venue_id}'] [data-action='close']").click()
    visible(driver, f"li[data-venue='{venue_id}'] [data-action='reopen']")
    assert driver.find_element(By.ID, "perk-name-en").get_attribute("value") == "Local goods by post"
    venues = call(stack, "GET", f"/staff/municipalities/{mid}/venues", token=token)[1]
    assert next(v for v in venues if v["id"] == int(venue_id))["active"] is False
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: "返礼品" in d.find_element(By.ID, "perks-title").find_element(By.XPATH, "..").text
         or "返礼品" in d.find_element(By.CSS_SELECTOR, "#tab-panel").text)
    shoot(driver, "console-perks-ja")


def test_csv_exports_download_for_excel(stack, browser, shoot):
    driver = browser
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    # the tabs work from the keyboard (arrow keys, Home, End), as a WAI-ARIA tab list
    tabs = [e.get_attribute("data-tab") for e in driver.find_elements(By.CSS_SELECTOR, "#tabs [role=tab]")]
    assert tabs[0] == "overview" and tabs[-1] == "exports" and "perks" in tabs
    driver.find_element(By.ID, "tab-overview").send_keys(Keys.ARROW_RIGHT)
    wait(driver, lambda d: d.find_element(By.ID, f"tab-{tabs[1]}").get_attribute("aria-selected") == "true")
    assert driver.switch_to.active_element.get_attribute("id") == f"tab-{tabs[1]}"
    driver.switch_to.active_element.send_keys(Keys.END)
    wait(driver, lambda d: d.find_element(By.ID, "tab-panel").get_attribute("data-tab") == "exports")
    kpis = visible(driver, "#export-kpis").get_attribute("href")
    got = fetch_in_page(driver, kpis)
    assert got["status"] == 200 and got["type"].startswith("text/csv")
    assert got["head"] == [0xEF, 0xBB, 0xBF]  # UTF-8 BOM: Excel reads it as UTF-8
    assert got["text"].startswith("指標,値,key\r\n")
    assert "attachment" in got["disposition"]
    Select(driver.find_element(By.ID, "export-history-days")).select_by_value("90")
    history = driver.find_element(By.ID, "export-history").get_attribute("href")
    assert history.endswith("/kpis/series.csv?days=90")
    got = fetch_in_page(driver, history)
    assert got["status"] == 200 and got["head"] == [0xEF, 0xBB, 0xBF]
    lines = got["text"].split("\r\n")
    assert lines[0].startswith("日付,発行枚数（累計）,") and len([x for x in lines[1:] if x]) == 90
    redemptions = driver.find_element(By.ID, "export-redemptions").get_attribute("href")
    got = fetch_in_page(driver, redemptions)
    assert got["status"] == 200 and got["head"] == [0xEF, 0xBB, 0xBF]
    assert got["text"].startswith("利用日時（日本時間）,特典,")
    shoot(driver, "console-exports")
    # a period that ends before it starts is refused on the page
    start = driver.find_element(By.ID, "export-from")
    driver.execute_script("arguments[0].value = '2099-01-01'; arguments[0].dispatchEvent(new Event('change'))", start)
    assert visible(driver, "#export-problem .notice").text
    assert driver.find_element(By.ID, "export-redemptions").get_attribute("aria-disabled") == "true"


def test_the_language_switch_changes_every_text_and_the_charts(stack, browser_factory, shoot):
    driver = browser_factory(lang="en")
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    assert japanese_in_english_mode(driver) == []
    label = "return Chart.getChart(document.getElementById('chart-cards')).data.datasets[0].label"
    assert driver.execute_script(label) == "Issued"
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: d.execute_script(label) == "発行済み")
    assert driver.find_element(By.ID, "tab-overview").text == "概要と指標"
    assert driver.find_element(By.ID, "municipality-name").text == "美祢市"
    texts = [item["text"] for item in visible_texts(driver) if item["tag"] in ("H1", "H2", "BUTTON", "FIGCAPTION")]
    english = [x for x in texts if not JAPANESE.search(x) and x not in ("English",)]
    assert english == [], english
    shoot(driver, "console-overview-ja")
    for tab in ("perks", "exports"):
        open_tab(driver, tab)
        shoot(driver, f"console-{tab}-ja-tab")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()
    open_tab(driver, "perks")
    assert japanese_in_english_mode(driver) == []
    driver.find_element(By.ID, "signout").click()
    visible(driver, "#signin-form")


def test_the_municipality_picker_switches_every_tab(stack, browser, shoot):
    token = staff_token(stack)
    name = f"Nishikawa {uuid.uuid4().hex[:4]}"
    status, town = call(stack, "POST", "/staff/municipalities", {"name_ja": "西川町", "name_en": name}, token=token)
    assert status == 201, town
    driver = browser
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    picker = Select(visible(driver, "#municipality"))
    assert picker.first_selected_option.text == "Mine City"
    picker.select_by_value(str(town["id"]))
    wait(driver, lambda d: d.find_element(By.ID, "municipality-name").text == name)
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "[data-kpi='cards_issued'] .kpi-value").text == "0")
    assert driver.find_element(By.CSS_SELECTOR, "#figure-by-perk [data-empty]").text == "No perks were used in this period."
    open_tab(driver, "perks")
    visible(driver, "#perks-no-collection")
    assert not driver.find_elements(By.ID, "perk-add")
    shoot(driver, "console-perks-no-collection")
    driver.refresh()  # the choice is kept for the next visit
    wait(driver, lambda d: d.find_element(By.ID, "municipality-name").text == name)


VIEWER_SCRIPT = """
import sys
from backend.auth.staff import create_staff, grant_role
from backend.db import begin_immediate, make_engine, session_factory
from backend.settings import Settings
engine = make_engine(Settings().database_url)
with session_factory(engine)() as db:
    begin_immediate(db)
    account = create_staff(db, sys.argv[1], sys.argv[2])
    grant_role(db, account.id, int(sys.argv[3]), "viewer")
    db.commit()
"""


def new_viewer(stack, mid: int) -> tuple[str, str]:
    """A staff account with only the viewer role in municipality `mid`, written to the stack's database."""
    login, password = f"viewer{uuid.uuid4().hex[:6]}", "viewer-password-123"
    done = subprocess.run([sys.executable, "-c", VIEWER_SCRIPT, login, password, str(mid)], cwd=ROOT,
                          env={**os.environ, "RESIDENT_DATA_DIR": str(stack.data_dir)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return login, password


def test_a_viewer_reads_but_gets_no_forms(stack, browser):
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    login, password = new_viewer(stack, mid)
    driver = browser
    sign_in(driver, stack, login, password)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "perks")
    visible(driver, "#perk-table")
    assert not driver.find_elements(By.ID, "perk-add") and not driver.find_elements(By.ID, "venue-form")
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-action='edit'], [data-action='close']")
    open_tab(driver, "exports")
    assert fetch_in_page(driver, visible(driver, "#export-kpis").get_attribute("href"))["status"] == 200
