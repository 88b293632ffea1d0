"""The console's holders tab in headless Chromium against `make run`'s stack, in English and in Japanese:
search a fresh card by wallet, open its page (history in Japan dates), revoke it with a reason through the
confirm step and follow sent → mined → indexed; find a second card by number and re-issue it to a new wallet,
then open the new card (same resident number). 375 px without sideways scrolling. A viewer reads a card
but is offered no revoke or re-issue.

Screenshots at 375 and 1280 px: test-artifacts/screens/console-holders-*-{en,ja}-*.png."""

from __future__ import annotations

import time
import uuid

import pytest
from eth_account import Account
from selenium.webdriver.common.by import By

from tests.web.test_console import new_viewer, call, no_sideways_scroll, open_tab, sign_in, staff_token
from tests.web.test_holder_card_states import card_contract, transact
from tests.web.webstack import japanese_in_english_mode, visible, wait

WORDS = {
    "en": {"revoked": "Revoked", "done_revoke": "The card is revoked.", "done_reissue": "re-issued",
           "reissued_from": "Re-issued from card"},
    "ja": {"revoked": "失効", "done_revoke": "カードを失効させました。", "done_reissue": "再発行しました",
           "reissued_from": "から再発行"},
}


def issue_fresh_card(stack) -> tuple[str, int]:
    w3, card = card_contract(stack)
    wallet = Account.create().address
    receipt = transact(w3, card.functions.issue(wallet, 0, 0), stack.accounts[0])
    return wallet, card.events.Transfer().process_receipt(receipt)[0]["args"]["id"]


def indexed(stack, token: str, mid: int, wallet: str) -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = call(stack, "GET", f"/staff/municipalities/{mid}/cards?q={wallet}", token=token)[1]
        if found["total"]:
            return found["items"][0]
        time.sleep(0.2)
    raise AssertionError(f"{wallet}'s card was not indexed")


def search(driver, text: str):
    box = visible(driver, "#holders-q")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "holders-search").click()


def follow_to_the_end(driver, kind_done: str):
    wait(driver, lambda d: d.find_element(By.ID, "holder-progress").get_attribute("data-step") in ("indexed", "failed"),
         timeout=60, message="the transaction was not followed to its end")
    progress = driver.find_element(By.ID, "holder-progress")
    assert progress.get_attribute("data-step") == "indexed", progress.text
    states = [li.get_attribute("data-state") for li in progress.find_elements(By.CSS_SELECTOR, "li")]
    assert states == ["done", "done", "done"] and kind_done in progress.text
    return progress


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_staff_search_open_revoke_and_reissue_a_card(stack, browser_factory, shoot, lang):
    words = WORDS[lang]
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    (first_wallet, first_token), (second_wallet, second_token) = issue_fresh_card(stack), issue_fresh_card(stack)
    indexed(stack, token, mid, first_wallet)
    second = indexed(stack, token, mid, second_wallet)

    driver = browser_factory(lang=lang)
    sign_in(driver, stack)
    open_tab(driver, "holders")
    visible(driver, "#holders-rows tr")  # every card, newest first
    search(driver, first_wallet.lower())
    wait(driver, lambda d: [r.get_attribute("data-card") for r in d.find_elements(By.CSS_SELECTOR, "#holders-rows tr")]
         and len(d.find_elements(By.CSS_SELECTOR, "#holders-rows tr")) == 1
         and f"#{first_token}" in d.find_element(By.ID, "holders-rows").text)
    driver.find_element(By.CSS_SELECTOR, "#holders-rows [data-open]").click()
    visible(driver, "#holder-history li[data-kind='issued']")
    assert driver.find_element(By.ID, "holder-owner").text == first_wallet
    if lang == "en":
        assert japanese_in_english_mode(driver) == []
    shoot(driver, f"console-holders-card-{lang}")

    # revoke: a reason, the confirm step that says what will happen, then the progress to the end
    reason = f"Moved away {uuid.uuid4().hex[:4]}"
    driver.find_element(By.ID, "holder-revoke").click()
    driver.find_element(By.ID, "holder-review").click()
    visible(driver, "#holder-form-error")  # no reason yet
    visible(driver, "#holder-reason").send_keys(reason)
    driver.find_element(By.ID, "holder-review").click()
    confirm = visible(driver, "#holder-confirm-text").text
    assert first_wallet in confirm and str(first_token) in confirm
    shoot(driver, f"console-holders-revoke-confirm-{lang}")
    driver.find_element(By.ID, "holder-confirm-go").click()
    follow_to_the_end(driver, words["done_revoke"])
    wait(driver, lambda d: words["revoked"] in d.find_element(By.ID, "holder-status").text)
    history = driver.find_element(By.ID, "holder-history").text
    assert reason in history and "admin" in history
    assert not driver.find_elements(By.ID, "holder-revoke")  # a revoked card offers nothing more
    shoot(driver, f"console-holders-revoked-{lang}")

    # re-issue the second card, found by its card number, to a new wallet
    search(driver, str(second_token))
    row = wait(driver, lambda d: next((r for r in d.find_elements(By.CSS_SELECTOR, "#holders-rows tr")
                                       if r.get_attribute("data-card") == str(second["card_id"])), False))
    row.find_element(By.CSS_SELECTOR, "[data-open]").click()
    wait(driver, lambda d: d.find_element(By.ID, "holder-owner").text == second_wallet)
    new_wallet = Account.create().address
    driver.find_element(By.ID, "holder-reissue").click()
    visible(driver, "#holder-new-owner").send_keys("0x1234")
    driver.find_element(By.ID, "holder-reason").send_keys("Lost phone")
    driver.find_element(By.ID, "holder-review").click()
    visible(driver, "#holder-form-error")  # not an address
    driver.find_element(By.ID, "holder-new-owner").clear()
    driver.find_element(By.ID, "holder-new-owner").send_keys(new_wallet)
    driver.find_element(By.ID, "holder-review").click()
    confirm = visible(driver, "#holder-confirm-text").text
    assert new_wallet in confirm and second_wallet in confirm and str(second["resident_number"]) in confirm
    shoot(driver, f"console-holders-reissue-confirm-{lang}")
    no_sideways_scroll(driver)  # two addresses in one sentence still fit 375 px
    driver.find_element(By.ID, "holder-confirm-go").click()
    follow_to_the_end(driver, words["done_reissue"])
    driver.find_element(By.ID, "holder-open-new").click()
    wait(driver, lambda d: d.find_element(By.ID, "holder-owner").text == new_wallet)
    visible(driver, "#holder-history li[data-kind='reissued_from']")
    assert words["reissued_from"] in driver.find_element(By.ID, "holder-history").text
    assert str(second["resident_number"]) in driver.find_element(By.CSS_SELECTOR, "#holder-card .card-facts").text
    if lang == "en":
        assert japanese_in_english_mode(driver) == []
    shoot(driver, f"console-holders-reissued-{lang}")
    no_sideways_scroll(driver)
    new = call(stack, "GET", f"/staff/municipalities/{mid}/cards?q={new_wallet}", token=token)[1]["items"][0]
    assert new["resident_number"] == second["resident_number"] and new["status"] == "active"


def test_a_viewer_reads_a_card_but_is_offered_no_revoke(stack, browser):
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    wallet, _ = issue_fresh_card(stack)
    indexed(stack, token, mid, wallet)
    login, password = new_viewer(stack, mid)
    driver = browser
    sign_in(driver, stack, login, password)
    open_tab(driver, "holders")
    visible(driver, "#holders-rows tr")  # the first listing (every card) is drawn before the search replaces it
    search(driver, wallet)
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#holders-rows tr")) == 1
         and wallet.lower()[:6] in d.find_element(By.ID, "holders-rows").text.lower(), message="search not shown")
    driver.find_element(By.CSS_SELECTOR, "#holders-rows [data-open]").click()
    assert visible(driver, "#holder-read-only").text.startswith("Viewers cannot revoke")
    assert not driver.find_elements(By.ID, "holder-revoke") and not driver.find_elements(By.ID, "holder-reissue")
