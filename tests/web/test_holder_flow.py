"""The holder's way through the web app in a real browser, against make run's stack: connect the
wallet, sign in (a real signature on anvil), see the card, show a pass that the venue desk redeems once."""

import re

from selenium.webdriver.common.by import By

from tests.web.holder_steps import (CAVE_PERK, DESK_CODE, connect, decode_qr, find_perk, open_pass, perk_article,
                                    section, sign_in, venue_redeem)
from tests.web.webstack import JAPANESE, japanese_in_english_mode, visible, visible_texts, wait


def test_holder_signs_in_sees_the_card_and_a_pass_is_redeemed_once(stack, wallet_browser, shoot):
    holder = stack.demo_holders[0]  # card #1: premium, expires in a year
    driver = wallet_browser(holder)
    connect(driver, stack)
    shoot(driver, "holder-sign-in")
    assert holder in visible(driver, "#sign-in-account").text
    visible(driver, "#sign-in-button").click()
    visible(driver, "#home")

    card = visible(driver, "#cards .card-view")
    assert card.get_attribute("data-token-id") == "1"
    text = card.text
    assert "No. 1" in text and "Premium" in text and "Mine City" in text
    assert "Non-transferable (soulbound)" in text and "Valid" in text
    image = card.find_element(By.CSS_SELECTOR, "img.card-image")
    wait(driver, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image),
         message="card image not loaded")
    assert "personal_sign" in driver.execute_script("return window.__testWallet.requests")
    assert perk_article(driver, CAVE_PERK).get_attribute("data-usable") == "true"
    forum = driver.find_element(By.CSS_SELECTOR, "#forums a[data-forum]")
    assert forum.get_attribute("href").startswith("http://127.0.0.1:4200")
    shoot(driver, "holder-home")

    pass_text = open_pass(driver)
    assert pass_text.startswith("rp1.")
    # The code a desk types instead of scanning (tests/web/test_desk.py types one)
    assert re.fullmatch(DESK_CODE, driver.find_element(By.ID, "pass-text").get_attribute("textContent"))
    assert decode_qr(driver, "#pass-qr") == pass_text  # the QR on screen is the pass
    assert "Valid for" in visible(driver, "#pass-countdown").text
    shoot(driver, "holder-pass")

    first = venue_redeem(stack, pass_text)
    assert first["ok"] is True, first
    second = venue_redeem(stack, pass_text)
    assert second["ok"] is False and second["reason_code"] == "pass_used", second

    driver.find_element(By.ID, "pass-close").click()
    wait(driver, lambda d: not d.find_element(By.ID, "pass-dialog").is_displayed(), message="pass still open")
    # Once a day: after the redemption the page says why the perk is not usable now.
    driver.refresh()
    visible(driver, "#home")
    cave = wait(driver, lambda d: (found := find_perk(d, CAVE_PERK)) is not None
                and found.get_attribute("data-usable") == "false" and found, message="perk still usable after redemption")
    assert cave.find_element(By.CSS_SELECTOR, ".why").text


def test_language_switch_changes_every_visible_text_when_signed_in(stack, wallet_browser, shoot):
    driver = wallet_browser(stack.demo_holders[1], lang="en")
    sign_in(driver, stack)
    assert japanese_in_english_mode(driver) == []

    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    assert driver.execute_script("return document.documentElement.lang") == "ja"
    texts = visible_texts(driver)
    assert "美祢市" in visible(driver, "#cards .card-view h2").text
    headings = [item["text"] for item in texts if item["tag"] in ("H1", "H2", "H3", "BUTTON")]
    english_only = [text for text in headings if not JAPANESE.search(text) and text not in ("English", "No. 2")]
    assert english_only == [], english_only
    shoot(driver, "holder-home-ja")

    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()
    assert japanese_in_english_mode(driver) == []
    open_pass(driver)
    assert japanese_in_english_mode(driver) == []
    visible(driver, "#pass-dialog [data-lang='ja']").click()  # the dialog has its own switch (modal)
    assert JAPANESE.search(visible(driver, "#pass-countdown").text)
    shoot(driver, "holder-pass-ja")


def test_sign_out_returns_to_the_welcome_page(stack, wallet_browser):
    driver = wallet_browser(stack.demo_holders[2])
    sign_in(driver, stack)
    visible(driver, "#sign-out").click()
    visible(driver, "#connect")
    assert "signed out" in visible(driver, "#notice").text
    driver.refresh()  # the session is gone on the server too
    visible(driver, "#connect")


def test_a_wallet_without_a_card_is_told_so(stack, wallet_browser, shoot):
    driver = wallet_browser(stack.no_card_account)
    sign_in(driver, stack)
    assert "holds no resident card" in visible(driver, "#cards").text
    section(driver, "perks")
    assert "No perks" in visible(driver, "#perks").text
    shoot(driver, "holder-no-card")


def test_switching_the_wallet_account_signs_out_and_asks_to_sign_in_again(stack, wallet_browser):
    driver = wallet_browser(stack.demo_holders[0])
    sign_in(driver, stack)
    driver.execute_script("window.__testWallet.emit('accountsChanged', [arguments[0]])", stack.demo_holders[1])
    assert "switched to another account" in visible(driver, "#notice .notice").text
    visible(driver, "#connect")
    assert not driver.find_element(By.ID, "home").is_displayed()
