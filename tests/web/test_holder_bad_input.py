"""What the holder page says when things go wrong: no wallet, wrong network, a refused signature, and a
pass that expires on screen. Each message says what to do next, in the chosen language."""

import re
import time

from selenium.webdriver.common.by import By

from tests.web.holder_steps import DESK_CODE, connect, open_pass, sign_in
from tests.web.webstack import PASS_LIFETIME, PASS_RENEW_MARGIN, japanese_in_english_mode, open_page, visible, wait


def test_no_wallet_shows_what_a_wallet_is_and_how_to_get_one(stack, browser_factory, shoot):
    driver = browser_factory(lang="en")
    connect(driver, stack)
    guidance = visible(driver, "#no-wallet")
    assert "No wallet found" in guidance.text and "MetaMask" in guidance.text and "reload this page" in guidance.text
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "holder-no-wallet")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    assert "ウォレットが見つかりません" in visible(driver, "#no-wallet").text
    shoot(driver, "holder-no-wallet-ja")


def test_wrong_network_offers_the_switch_and_switching_leads_to_sign_in(stack, wallet_browser, shoot):
    driver = wallet_browser(stack.demo_holders[0], start_chain_id=1)
    connect(driver, stack)
    panel = visible(driver, "#wrong-chain")
    assert "chain id 1" in panel.text and "31337" in panel.text
    shoot(driver, "holder-wrong-network")
    visible(driver, "#switch-chain").click()
    visible(driver, "#sign-in-button").click()
    visible(driver, "#home .card-view")
    requests = driver.execute_script("return window.__testWallet.requests")
    assert "wallet_switchEthereumChain" in requests and "wallet_addEthereumChain" not in requests


def test_a_wallet_that_does_not_know_the_chain_is_asked_to_add_it(stack, wallet_browser):
    driver = wallet_browser(stack.demo_holders[0], start_chain_id=1, known_chains=[1])
    connect(driver, stack)
    visible(driver, "#switch-chain").click()
    visible(driver, "#sign-in-button")
    requests = driver.execute_script("return window.__testWallet.requests")
    assert requests.count("wallet_switchEthereumChain") == 2 and "wallet_addEthereumChain" in requests


def test_a_refused_switch_explains_how_to_continue(stack, wallet_browser):
    driver = wallet_browser(stack.demo_holders[0], start_chain_id=1, reject_next=["wallet_switchEthereumChain"])
    connect(driver, stack)
    visible(driver, "#switch-chain").click()
    assert "press the button again" in visible(driver, "#notice .notice.error").text
    assert visible(driver, "#wrong-chain")


def test_rejected_signature_says_what_to_do_and_a_second_try_signs_in(stack, wallet_browser, shoot):
    driver = wallet_browser(stack.demo_holders[1], reject_next=["personal_sign"])
    connect(driver, stack)
    visible(driver, "#sign-in-button").click()
    notice = visible(driver, "#notice .notice.error")
    assert "cancelled the signature" in notice.text and "Sign in with signature" in notice.text
    assert driver.find_element(By.ID, "home").is_displayed() is False
    shoot(driver, "holder-signature-rejected")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    assert "署名がキャンセルされた" in visible(driver, "#notice .notice.error").text
    visible(driver, "#sign-in-button").click()
    visible(driver, "#home .card-view")
    assert driver.find_element(By.ID, "notice").text == ""


def test_the_pass_renews_itself_and_expires_on_screen_when_it_cannot(stack, wallet_browser, shoot):
    driver = wallet_browser(stack.demo_holders[2])
    sign_in(driver, stack)
    first = open_pass(driver)
    opened = time.monotonic()
    # PASS_RENEW_MARGIN seconds before the pass expires the page fetches the next one by itself.
    wait(driver, lambda d: d.find_element(By.ID, "pass-qr").get_attribute("data-pass") not in (None, first),
         timeout=PASS_LIFETIME, message="the pass was not renewed before it expired")
    assert time.monotonic() - opened > PASS_LIFETIME - PASS_RENEW_MARGIN - 2  # not at once: when it was due
    second = driver.find_element(By.ID, "pass-qr").get_attribute("data-pass")
    assert second.startswith("rp1.") and second != first
    # Offline (the phone lost its signal): renewals fail, and the code expires on screen.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/pass"]})
    started = time.monotonic()
    visible(driver, "#pass-expired", timeout=PASS_LIFETIME + 5)
    assert time.monotonic() - started > PASS_LIFETIME - PASS_RENEW_MARGIN  # the renewed pass lived its own life
    assert "Could not get a new code" in driver.find_element(By.ID, "pass-status").text
    assert driver.find_element(By.ID, "pass-qr").get_attribute("data-pass") is None
    assert driver.find_element(By.ID, "pass-text").get_attribute("textContent") == ""
    assert not driver.find_element(By.ID, "pass-code").is_displayed()
    assert "This pass has expired" in visible(driver, "#pass-expired").text
    shoot(driver, "holder-pass-expired")
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    visible(driver, "#pass-new").click()
    third = visible(driver, "#pass-qr[data-pass]").get_attribute("data-pass")
    assert third not in (first, second)
    assert visible(driver, "#pass-live") and not driver.find_element(By.ID, "pass-new").is_displayed()
    assert re.fullmatch(DESK_CODE, driver.find_element(By.ID, "pass-text").get_attribute("textContent"))
