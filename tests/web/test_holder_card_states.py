"""Cards that are not valid are shown as such, with the reason in the holder's language, and their perks
say why they cannot be used; a page with several wallets lets the holder choose one."""

import json
import time

from selenium.webdriver.common.by import By
from web3 import Web3

from tests.web.holder_steps import CAVE_PERK, connect, perk_article, section, sign_in
from tests.web.webstack import ROOT, get_json, visible, wait


def card_contract(stack):
    w3 = Web3(Web3.HTTPProvider(stack.rpc_url))
    address = next(c["address"] for c in get_json(stack.url("/health"))["contracts"] if c["symbol"] == "MINEDEMO")
    abi = json.loads((ROOT / "build" / "contracts" / "ResidentCard.json").read_text())["abi"]
    return w3, w3.eth.contract(address=address, abi=abi)


def transact(w3, call, sender):
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))
    assert receipt.status == 1
    return receipt


def wait_for_index(stack, holder, predicate, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate(get_json(stack.url(f"/holders/{holder}/cards"))):
            return
        time.sleep(0.2)
    raise AssertionError("the index did not catch up")


def test_an_expired_card_is_shown_expired_and_its_perks_say_why(stack, wallet_browser, shoot):
    holder = stack.accounts[6]  # no demo card; used by no other browser test
    w3, card = card_contract(stack)
    expires_at = int(time.time()) + 4
    receipt = transact(w3, card.functions.issue(holder, 0, expires_at), stack.accounts[0])
    token_id = card.events.Transfer().process_receipt(receipt)[0]["args"]["id"]
    wait_for_index(stack, holder, lambda cards: len(cards) == 1)
    time.sleep(max(0.0, expires_at - time.time()) + 1)

    driver = wallet_browser(holder)
    sign_in(driver, stack)
    article = visible(driver, f"#cards .card-view[data-token-id='{token_id}']")
    assert "Expired" in article.find_element(By.CSS_SELECTOR, ".badge.bad").text
    cave = perk_article(driver, CAVE_PERK)
    assert cave.get_attribute("data-usable") == "false"
    assert "expired" in cave.find_element(By.CSS_SELECTOR, ".why").text.lower()
    assert not cave.find_elements(By.CSS_SELECTOR, "[data-action='show-pass']")
    shoot(driver, "holder-card-expired")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    section(driver, "card")
    assert "期限切れ" in visible(driver, f"#cards .card-view[data-token-id='{token_id}'] .badge.bad").text
    shoot(driver, "holder-card-expired-ja")


SECOND_WALLET_JS = """
const provider = window.__testWallet.provider;
const info = Object.freeze({uuid: "0f3c1a9e-2222-4c4c-8e8e-123456789abc", name: "Other Wallet", rdns: "example.other",
  icon: "data:image/svg+xml;base64," + btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle cx="4" cy="4" r="4" fill="#e8590c"/></svg>')});
const other = {request: (args) => { window.__otherUsed = true; return provider.request(args); }, on() {}, removeListener() {}};
window.addEventListener("eip6963:requestProvider", () =>
  window.dispatchEvent(new CustomEvent("eip6963:announceProvider", {detail: Object.freeze({info, provider: other})})));
"""


def test_with_several_wallets_the_holder_chooses_one(stack, wallet_browser, shoot):
    driver = wallet_browser(stack.demo_holders[0])
    connect_page = stack.url("/")
    driver.get(connect_page)
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
    driver.execute_script(SECOND_WALLET_JS)
    visible(driver, "#connect").click()
    choices = visible(driver, "#wallet-choice")
    names = [b.text for b in choices.find_elements(By.CSS_SELECTOR, "button")]
    assert names == ["Test Wallet", "Other Wallet"]
    assert all(img.get_attribute("src").startswith("data:image/svg+xml") for img in
               choices.find_elements(By.CSS_SELECTOR, "img"))
    shoot(driver, "holder-choose-wallet")
    choices.find_elements(By.CSS_SELECTOR, "button")[1].click()
    visible(driver, "#sign-in-button").click()
    visible(driver, "#home .card-view")
    assert driver.execute_script("return window.__otherUsed") is True
