"""The console's audit tab in headless Chromium against `make run`'s stack: a perk edited in the perks tab
shows up in the audit tab with who, from where and before → after; filters, the CSV download for Excel,
the ja/en switch, 375 px without sideways scrolling; a viewer is told the log is for admins.

Screenshots at 375 and 1280 px go to test-artifacts/screens/console-audit-*.png."""

from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.test_console import (
    new_viewer, call, fetch_in_page, no_sideways_scroll, open_tab, sign_in, staff_token, wait_for_item,
)
from tests.web.webstack import visible, wait


def test_a_perk_edit_in_the_console_shows_in_the_audit_tab(stack, browser, shoot, request):
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    perk = next(p for p in call(stack, "GET", f"/staff/municipalities/{mid}/perks", token=token)[1]
                if p["limit_count"])
    before, after = perk["limit_count"], perk["limit_count"] + 7
    # The stack is shared: the holder tests rely on the demo cave entry being once a day.
    request.addfinalizer(lambda: call(stack, "PATCH", f"/staff/perks/{perk['id']}", {"limit_count": before},
                                      token=token))

    driver = browser
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "perks")
    row = wait_for_item(driver, f"tr[data-perk='{perk['id']}']", perk["name_en"])
    row.find_element(By.CSS_SELECTOR, "[data-action='edit']").click()
    count = visible(driver, "#perk-count")
    count.clear()
    count.send_keys(str(after))
    driver.find_element(By.ID, "perk-save").click()
    wait_for_item(driver, f"tr[data-perk='{perk['id']}']", str(after))

    open_tab(driver, "audit")
    entry = wait_for_item(driver, "#audit-rows tr", f"limit_count: {before} → {after}")
    assert "admin" in entry.text and "Changed" in entry.text and "PATCH /staff/perks/{perk_id}" in entry.text
    event = call(stack, "GET", f"/staff/municipalities/{mid}/audit?object_type=perks&action=update"
                 f"&object_id={perk['id']}", token=token)[1]["events"][0]
    assert event["changes"]["limit_count"] == [before, after] and event["actor_name"] == "admin"
    assert entry.get_attribute("data-id") == str(event["id"]) and event["client_address"] in entry.text
    shoot(driver, "console-audit-en")

    # filters: nobody by that name, then the perk by id
    actor = driver.find_element(By.ID, "audit-actor")
    actor.send_keys(f"nobody-{uuid.uuid4().hex[:6]}")
    driver.find_element(By.ID, "audit-apply").click()
    wait(driver, lambda d: d.find_element(By.ID, "audit-status").text == "No entries match.")
    assert not driver.find_elements(By.CSS_SELECTOR, "#audit-rows tr")
    actor.clear()
    Select(driver.find_element(By.ID, "audit-action")).select_by_value("update")
    driver.find_element(By.ID, "audit-object-type").send_keys("perks")
    driver.find_element(By.ID, "audit-object-id").send_keys(str(perk["id"]))
    driver.find_element(By.ID, "audit-apply").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#audit-rows tr")
         and all("perks" in r.text for r in d.find_elements(By.CSS_SELECTOR, "#audit-rows tr")))

    # the CSV link carries the filters, and the file opens in Excel (BOM, Japan time, before → after)
    href = driver.find_element(By.ID, "audit-csv").get_attribute("href")
    assert "object_type=perks" in href and "action=update" in href
    got = fetch_in_page(driver, href)
    assert got["status"] == 200 and got["type"].startswith("text/csv") and got["head"] == [0xEF, 0xBB, 0xBF]
    assert f"limit_count: {before} → {after}" in got["text"] and "PATCH /staff/perks/{perk_id}" in got["text"]

    # Japanese, and 375 px wide without the page scrolling sideways (the table scrolls in its box)
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: d.find_element(By.ID, "audit-apply").text == "絞り込む")
    assert "変更" in driver.find_element(By.CSS_SELECTOR, "#audit-rows tr").text
    assert driver.find_element(By.CSS_SELECTOR, "label[for='audit-since']").text == "開始日時（日本時間）"
    shoot(driver, "console-audit-ja")
    no_sideways_scroll(driver)
    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()


def test_a_viewer_is_told_the_audit_log_is_for_admins(stack, browser):
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    login, password = new_viewer(stack, mid)
    assert call(stack, "GET", f"/staff/municipalities/{mid}/audit", token=token)[0] == 200  # the admin may
    driver = browser
    sign_in(driver, stack, login, password)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "audit")
    assert visible(driver, "#audit-admin-only").text == "Only this municipality's admins may read the audit log."
    assert not driver.find_elements(By.ID, "audit-rows")
