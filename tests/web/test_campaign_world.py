"""One campaign world in a real browser against make run's stack: a campaign made with scripts/campaign.py shows in
the console's Campaigns tab and on the holder page under its on-chain number, in Japanese and English; the
console's next campaign is told by its on-chain number too (before: the script's campaign was invisible, and a
console campaign was called by its database row, 「キャンペーン番号 1」 for on-chain campaign 3)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import httpx
from selenium.webdriver.common.by import By

from tests.web.test_console_campaigns import STAFF, holder_sign_in, open_campaigns_tab
from tests.web.webstack import ROOT, japanese_in_english_mode, visible, wait

JST = timezone(timedelta(hours=9))
# anvil's development account 6: signs in on the holder page only (no claim), so it takes nobody's card.
VIEWER_INDEX = 6

def script_campaign(stack, tmp_path) -> int:
    """Creates an open campaign with scripts/campaign.py on the stack's chain and data directory; returns the
    number it printed."""
    now = datetime.fromtimestamp(int(stack.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16), JST)
    config = tmp_path / "world.yaml"
    config.write_text("\n".join([
        "collection: MINEDEMO", "name: script-world", "name_ja: スクリプトの募集", "name_en: Script-made drive",
        f"start: {(now - timedelta(minutes=5)).isoformat(timespec='seconds')}",
        f"end: {(now + timedelta(days=30)).isoformat(timespec='seconds')}",
        'price: "0"', "supply: 50", "per_wallet: 1", "tier: 0", "validity_days: 365", ""]), encoding="utf-8")
    # As the staff guide's engineer's path says: tools/brownie_run.py attaches to RESIDENT_RPC_URL, the stack's.
    env = {**os.environ, "RESIDENT_DATA_DIR": str(stack.data_dir), "RESIDENT_RPC_URL": stack.rpc_url,
           "SOLCX_BINARY_PATH": os.environ.get("SOLCX_BINARY_PATH", str(ROOT / ".venv" / "solcx"))}
    env.pop("RESIDENT_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "tools/brownie_run.py", "scripts/campaign.py", "main", "create",
                           str(config)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "キャンペーン番号" in done.stdout, done.stdout
    return int(re.search(r"Created campaign #(\d+) \(script-world\)", done.stdout).group(1))


def staff_list(stack) -> list[dict]:
    with httpx.Client(base_url=stack.base_url, timeout=30) as staff:
        staff.post("/staff/login", json=STAFF).raise_for_status()
        town = staff.get("/staff/municipalities").json()[0]["id"]
        return staff.get(f"/staff/municipalities/{town}/campaigns").json()


def test_a_script_campaign_shows_in_the_console_and_on_the_holder_page_by_its_onchain_number(
        stack, browser_factory, wallet_browser, shoot, tmp_path):
    number = script_campaign(stack, tmp_path)
    [listed] = [c for c in staff_list(stack) if c["name_en"] == "Script-made drive"]
    assert listed["onchain_id"] == number

    # The console, in Japanese: the script's campaign is in the list, under its number.
    driver = browser_factory(lang="ja")
    open_campaigns_tab(driver, stack)
    row = visible(driver, f"tr[data-number='{number}']")
    assert "スクリプトの募集" in row.text
    assert row.find_element(By.TAG_NAME, "td").text == str(number)
    assert row.find_element(By.CSS_SELECTOR, "[data-status]").get_attribute("data-status") == "open"
    shoot(driver, "console-campaigns-script-made-ja")

    # The console's next campaign gets the next on-chain number, and the notice says that number.
    driver.find_element(By.ID, "campaigns-name-ja").send_keys("窓口の募集")
    driver.find_element(By.ID, "campaigns-name-en").send_keys("Counter drive")
    driver.find_element(By.CSS_SELECTOR, ".campaign-form button[type='submit']").click()
    notice = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='create-result'] .notice.ok"),
                  timeout=60, message="campaign not created")
    made = [c for c in staff_list(stack) if c["name_en"] == "Counter drive"][0]
    assert made["onchain_id"] > number
    assert f"キャンペーン番号 {made['onchain_id']}、" in notice.text, notice.text
    visible(driver, f"tr[data-number='{made['onchain_id']}']")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()
    wait(driver, lambda d: f"campaign No. {made['onchain_id']}," in d.find_element(
        By.CSS_SELECTOR, "[data-testid='create-result'] .notice.ok").text, message="notice not in English")
    assert driver.find_element(By.CSS_SELECTOR, "th[data-i18n='campaigns.col.number']").text == "No."
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "console-campaigns-numbers-en")

    # The holder page, in English then Japanese: the script's campaign with the same number, ready to claim.
    holder = wallet_browser(stack.accounts[VIEWER_INDEX])
    holder_sign_in(holder, stack)
    article = visible(holder, f"article[data-number='{number}']")
    assert "Script-made drive" in article.text and f"Campaign No. {number}" in article.text
    assert article.find_element(By.CSS_SELECTOR, "[data-action='claim']").is_enabled()
    assert japanese_in_english_mode(holder) == []
    shoot(holder, "holder-campaign-script-made-en")
    holder.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(holder, lambda d: f"キャンペーン番号 {number}" in d.find_element(
        By.CSS_SELECTOR, f"article[data-number='{number}']").text, message="holder page not in Japanese")
    assert "スクリプトの募集" in holder.find_element(By.CSS_SELECTOR, f"article[data-number='{number}']").text
    shoot(holder, "holder-campaign-script-made-ja")
