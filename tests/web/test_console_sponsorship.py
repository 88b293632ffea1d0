"""The console's Fee sponsorship tab in headless Chromium against `make run`'s stack: the policy set through
the staff API shows as the budget and the budget left, in the native token, in Japanese and English."""

from __future__ import annotations

from tests.web.test_console import call, open_tab, sign_in, staff_token
from tests.web.webstack import visible, wait


def test_the_tab_shows_the_sponsorship_budget_and_what_is_left(stack, browser, request):
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    path = f"/staff/municipalities/{mid}/sponsorship"
    before = call(stack, "GET", path, token=token)[1]
    call(stack, "PUT", path, {"enabled": True, "daily_budget_wei": 25 * 10**16, "monthly_budget_wei": 3 * 10**18,
                              "per_person_per_day": 1, "per_address_per_day": 10}, token=token)
    request.addfinalizer(lambda: call(stack, "PUT", path, {
        "enabled": before["enabled"], "daily_budget_wei": int(before["daily_budget_wei"]),
        "monthly_budget_wei": int(before["monthly_budget_wei"]), "per_person_per_day": before["per_person_per_day"],
        "per_address_per_day": before["per_address_per_day"]}, token=token))
    view = call(stack, "GET", path, token=token)[1]

    driver = browser
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "sponsorship")
    assert visible(driver, "[data-testid='sponsorship-daily-budget']").text == "0.250000"
    assert driver.find_element("css selector", "[data-testid='sponsorship-monthly-budget']").text == "3.000000"
    left = int(view["left_today_wei"])
    assert driver.find_element("css selector", "[data-testid='sponsorship-left-today']").text == \
        f"{left // 10**18}.{(left * 10**6 // 10**18) % 10**6:06d}"
    text = driver.find_element("css selector", "[data-testid='sponsorship-state']").text
    assert text in ("Fee sponsorship is on.", "手数料の負担は有効です。")
    wait(driver, lambda d: "1" in d.find_element("css selector", "[data-testid='sponsorship-limits']").text)
