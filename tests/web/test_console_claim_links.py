"""Claim links in a real browser against make run's stack, in Japanese and English: staff make links of a
voucher campaign in the console's Campaigns tab (the downloads are offered), and a holder with no card opens a
link, connects the wallet, signs in and claims, and ends with a card; the used link then says so plainly."""

from __future__ import annotations

import time

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.test_console_campaigns import STAFF, open_campaigns_tab
from tests.web.webstack import get_json, japanese_in_english_mode, open_page, visible, wait

# anvil's development accounts 5 and 8: no demo card, and no other browser test gives them one (8 is only
# listed on an allowlist in test_console_campaigns.py, never claimed with).
HOLDERS = {"ja": 5, "en": 8}

# Each download link of the section fetched as the staff's browser would: {name: [status, type, first text]}.
FETCH_DOWNLOADS_JS = """
const done = arguments[arguments.length - 1];
(async () => {
  const out = {};
  for (const a of document.querySelectorAll("[data-testid='claim-links-downloads'] a[data-download]")) {
    const response = await fetch(a.href, {credentials: "same-origin"});
    const text = new TextDecoder("utf-8", {ignoreBOM: true}).decode((await response.arrayBuffer()).slice(0, 12));
    out[a.dataset.download] = [response.status, response.headers.get("content-type"), text];
  }
  done(out);
})().catch((error) => done({error: [0, "", String(error)]}));
"""


def voucher_campaign(stack, lang: str) -> int:
    with httpx.Client(base_url=stack.base_url, timeout=60) as staff:
        login = staff.post("/staff/login", json=STAFF)
        login.raise_for_status()
        staff.cookies.clear()  # an API client: the bearer token (a cookie without Origin is refused on a POST)
        staff.headers["Authorization"] = f"Bearer {login.json()['token']}"
        town = staff.get("/staff/municipalities").json()[0]["id"]
        now = int(time.time())
        made = staff.post(f"/staff/municipalities/{town}/campaigns", json={
            "collection": "MINEDEMO", "name_ja": f"受け取りリンク募集 {lang}", "name_en": f"Claim link drive {lang}",
            "starts_at": now - 60, "ends_at": now + 86_400, "supply": 5, "voucher": True})
        assert made.status_code == 201, made.text
        return made.json()["id"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_holder_with_no_card_opens_a_claim_link_and_ends_with_a_card(stack, browser_factory, wallet_browser, shoot,
                                                                       lang):
    holder = stack.accounts[HOLDERS[lang]]
    assert get_json(stack.url(f"/holders/{holder}/cards")) == []
    campaign = voucher_campaign(stack, lang)

    console = browser_factory(lang=lang)
    open_campaigns_tab(console, stack)
    wait(console, lambda d: d.find_elements(By.CSS_SELECTOR, f"#claim-links-campaign option[value='{campaign}']"),
         message="campaign not offered for claim links")
    Select(console.find_element(By.ID, "claim-links-campaign")).select_by_value(str(campaign))
    count = wait(console, lambda d: d.find_element(By.ID, "claim-links-count").is_enabled()
                 and d.find_element(By.ID, "claim-links-count"), message="the count stays disabled")
    count.clear()
    count.send_keys("2")
    console.find_element(By.ID, "claim-links-make").click()
    rows = wait(console, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='claim-links'] tr[data-link]"),
                timeout=30, message="claim links not made")
    assert len(rows) == 2
    made = visible(console, "[data-testid='claim-links-result'] .notice.ok").text
    assert ("2件" in made) if lang == "ja" else ("2 claim link" in made)
    downloads = {a.get_attribute("data-download") for a in
                 console.find_elements(By.CSS_SELECTOR, "[data-testid='claim-links-downloads'] a[href]")}
    assert downloads == {"csv-ja", "csv-en", "sheet", "poster-pdf", "poster-png"}
    for name, (status, kind, head) in console.execute_async_script(FETCH_DOWNLOADS_JS).items():
        assert status == 200, (name, status)
        assert head.startswith({"csv-ja": "\ufeff番号", "csv-en": "\ufeffNo.", "sheet": "%PDF", "poster-pdf": "%PDF",
                                "poster-png": "\ufffdPNG"}[name]), (name, head)
    if lang == "en":
        assert japanese_in_english_mode(console) == []
    shoot(console, f"console-claim-links-{lang}")
    link = rows[0].find_element(By.CSS_SELECTOR, "code").text
    assert link.startswith(stack.url("/claim#"))

    driver = wallet_browser(holder, lang=lang)
    open_page(driver, link)
    offer = visible(driver, "#claim-offer .lead").text
    assert (f"受け取りリンク募集 {lang}" if lang == "ja" else f"Claim link drive {lang}") in offer
    shoot(driver, f"claim-link-open-{lang}")
    visible(driver, "#claim-start").click()
    try:
        done = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#claim-message .notice.ok"), timeout=90)[0]
    except Exception as exc:
        raise AssertionError(f"the claim did not finish; the page shows: {driver.find_element(By.ID, 'claim').text}") \
            from exc
    assert ("住民カードを受け取りました" if lang == "ja" else "You have your resident card") in done.text
    states = [li.get_attribute("data-state") for li in driver.find_elements(By.CSS_SELECTOR, "#claim-steps li")]
    assert states == ["done"] * 4
    if lang == "en":
        assert japanese_in_english_mode(driver) == []
    shoot(driver, f"claim-link-done-{lang}")
    assert [c["symbol"] for c in get_json(stack.url(f"/holders/{holder}/cards"))] == ["MINEDEMO"]

    # Someone else opening the same link is told plainly that it was used.
    stranger = browser_factory(lang=lang)
    open_page(stranger, link)
    used = visible(stranger, "#claim-offer [data-code='claim_link_used']").text
    assert ("使われています" if lang == "ja" else "was used on") in used
    shoot(stranger, f"claim-link-used-{lang}")
