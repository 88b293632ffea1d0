"""The console's Fee sponsorship tab in headless Chromium against `make run`'s stack: the policy set through
the staff API shows as the budget and the budget left in the native token; an admin edits it in the form,
the server's refusals (catalogue texts) and a mistyped amount are said plainly, in Japanese and English, at
375 and 1280 px."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.web.test_console import call, open_tab, sign_in, staff_token
from tests.web.webstack import japanese_in_english_mode, visible, wait


@pytest.fixture
def policy(stack, request):
    """The demo town's policy path and token; the policy as it was is put back afterwards."""
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    path = f"/staff/municipalities/{mid}/sponsorship"
    before = call(stack, "GET", path, token=token)[1]
    request.addfinalizer(lambda: call(stack, "PUT", path, {
        "enabled": before["enabled"], "daily_budget_wei": int(before["daily_budget_wei"]),
        "monthly_budget_wei": int(before["monthly_budget_wei"]), "per_person_per_day": before["per_person_per_day"],
        "per_address_per_day": before["per_address_per_day"]}, token=token))
    return path, token


def shown(driver, testid: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f"[data-testid='{testid}']").text


def test_the_tab_shows_the_sponsorship_budget_and_what_is_left(stack, browser, policy):
    path, token = policy
    call(stack, "PUT", path, {"enabled": True, "daily_budget_wei": 25 * 10**16, "monthly_budget_wei": 3 * 10**18,
                              "per_person_per_day": 1, "per_address_per_day": 10}, token=token)
    view = call(stack, "GET", path, token=token)[1]
    symbol = view["symbol"]
    assert symbol == "ETH"  # anvil's chain profile (backend/chain/networks.py); Polygon's would be POL

    driver = browser
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "sponsorship")
    assert visible(driver, "[data-testid='sponsorship-daily-budget']").text == f"0.25 {symbol}"
    assert shown(driver, "sponsorship-monthly-budget") == f"3 {symbol}"
    left = int(view["left_today_wei"])
    micro = left * 10**6 // 10**18
    expected = f"{micro // 10**6}.{micro % 10**6:06d}".rstrip("0").rstrip(".")
    assert shown(driver, "sponsorship-left-today") == f"{expected} {symbol}"
    assert shown(driver, "sponsorship-state") in ("Fee sponsorship is on.", "手数料の負担は有効です。")
    wait(driver, lambda d: "1" in shown(d, "sponsorship-limits"))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_an_admin_edits_the_policy_in_the_form(stack, browser_factory, policy, shoot, lang):
    path, token = policy
    call(stack, "PUT", path, {"enabled": False, "daily_budget_wei": 0, "monthly_budget_wei": 0,
                              "per_person_per_day": 1, "per_address_per_day": 10}, token=token)
    driver = browser_factory(lang=lang)
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    open_tab(driver, "sponsorship")
    visible(driver, "#sponsorship-form")

    def fill(daily: str, monthly: str, person: str = "2", address: str = "20"):
        for field, value in (("sponsorship-daily", daily), ("sponsorship-monthly", monthly),
                             ("sponsorship-person", person), ("sponsorship-address", address)):
            element = driver.find_element(By.ID, field)
            element.clear()
            element.send_keys(value)
        driver.find_element(By.ID, "sponsorship-save").click()
        return wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='sponsorship-message']")
                    and d.find_element(By.CSS_SELECTOR, "[data-testid='sponsorship-message']"), message="no message")

    # A mistyped amount: said in the page's words, nothing sent.
    said = fill("0,1", "2")
    assert said.text == ("1日の予算は ETH の数で入力してください（例: 0.1）。" if lang == "ja"
                         else "Daily budget must be an amount in ETH (for example 0.1).")
    assert call(stack, "GET", path, token=token)[1]["daily_budget_wei"] == "0"
    # A month below the day: the server's refusal, from the catalogue.
    said = fill("0.5", "0.1")
    assert said.text == ("1か月の予算は、1日の予算以上にしてください。" if lang == "ja"
                         else "The monthly budget must be at least the daily budget.")
    # A count out of range: the 422 names the field as the form does.
    said = fill("0.1", "2", person="5000")
    assert ("1人1日あたりの回数" if lang == "ja" else "Claims per person a day") in said.text
    shoot(driver, f"console-sponsorship-refused-{lang}")

    driver.find_element(By.ID, "sponsorship-enabled").click()
    said = fill("0.1", "2")
    assert said.text == ("設定を保存しました。" if lang == "ja" else "The settings are saved.")
    saved = call(stack, "GET", path, token=token)[1]
    assert (saved["enabled"], saved["daily_budget_wei"], saved["monthly_budget_wei"]) == \
        (True, str(10**17), str(2 * 10**18))
    assert (saved["per_person_per_day"], saved["per_address_per_day"]) == (2, 20)
    assert shown(driver, "sponsorship-daily-budget") == "0.1 ETH"
    assert shown(driver, "sponsorship-monthly-budget") == "2 ETH"
    if lang == "en":
        assert japanese_in_english_mode(driver) == []
    shoot(driver, f"console-sponsorship-{lang}")

