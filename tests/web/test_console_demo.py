"""`make run`'s demo municipality in the console: a year of history in the overview's charts, and every view
of it says it is demo data (the banner, the overview's label, the CSV exports); a real municipality says not.

Screenshots: test-artifacts/screens/console-demo-overview-{ja,en}-{375,1280}.png."""

from __future__ import annotations

import urllib.request
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.test_console import call, sign_in, staff_token
from tests.web.webstack import japanese_in_english_mode, visible, wait


def chart_values(driver, chart: str) -> list[list[float]]:
    return driver.execute_script(
        "const chart = Chart.getChart(document.getElementById('chart-' + arguments[0]));"
        "return chart ? chart.data.datasets.map((d) => d.data) : []", chart)


def test_the_demo_shows_a_year_of_history_marked_as_demo_data(stack, browser_factory, shoot):
    driver = browser_factory(lang="ja")
    sign_in(driver, stack)
    visible(driver, "#kpi-cards .kpi")
    banner = visible(driver, "#demo-banner")
    assert "デモデータです" in banner.text and "実際の住民" in banner.text
    assert visible(driver, "#overview-demo").text == "デモデータ"

    Select(driver.find_element(By.ID, "overview-days")).select_by_value("365")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "table[data-chart='cards'] tbody tr")) == 365)
    issued, valid, holders = chart_values(driver, "cards")
    assert issued[0] < 30 and issued[-1] >= 250 and valid[-1] < issued[-1]
    assert sum(1 for i in range(0, 360, 30) if issued[i + 29] > issued[i]) >= 11  # cards came every month
    uses = [sum(day) for day in zip(*chart_values(driver, "by-perk"))]
    assert sum(1 for i in range(0, 360, 30) if sum(uses[i:i + 30])) >= 11
    kpi = {e.get_attribute("data-kpi"): e.find_element(By.CSS_SELECTOR, ".kpi-value").text
           for e in driver.find_elements(By.CSS_SELECTOR, "#kpi-cards .kpi")}
    assert kpi["turnout_last_poll"].endswith("%") and int(kpi["checkins_30d"]) > 0
    shoot(driver, "console-demo-overview-ja")

    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#demo-banner .notice-title").text == "Demo data")
    assert "not real residents" in driver.find_element(By.ID, "demo-banner").text
    wait(driver, lambda d: d.find_element(By.ID, "overview-demo").text == "Demo data")
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "console-demo-overview-en")

    # The exports say it too: in the file's name and inside it.
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    request = urllib.request.Request(stack.url(f"/staff/municipalities/{mid}/kpis.csv"),
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert 'filename="demo-kpis-' in response.headers["Content-Disposition"]
        assert response.read().decode("utf-8-sig").splitlines()[1].startswith("デモデータ,")

    # A municipality staff add is not demo data: no banner there.
    status, town = call(stack, "POST", "/staff/municipalities", {"name_ja": "西川町", "name_en":
                                                                 f"Nishikawa {uuid.uuid4().hex[:4]}"}, token=token)
    assert status == 201 and town["demo"] is False
    driver.refresh()
    visible(driver, "#kpi-cards .kpi")
    Select(visible(driver, "#municipality")).select_by_value(str(town["id"]))
    wait(driver, lambda d: d.find_element(By.ID, "municipality-name").text == town["name_en"])
    assert not driver.find_element(By.ID, "demo-banner").is_displayed()
