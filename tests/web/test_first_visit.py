"""First visit → card in hand → perk used, in headless Chromium at 375 px against make run's stack: a person
with no wallet extension opens a claim link, makes a passkey resident account (Chromium's virtual
authenticator, the real WebAuthn ceremony, the real factory on anvil), and gets the card with the fee paid
by the town's relayer (claimWithVoucher) while the account holds 0 native token on chain before and after;
then shows a pass and the coworking desk redeems its desk code. The seconds from opening the link to the
card shown are printed and kept in test-artifacts/first-visit.json (the README's onboarding numbers). On the
holder page, open campaigns the town pays for are claimed without a fee by a wallet (which may pay instead)
and by a passkey account (its passkey signs the claim request; the relayer deploys the account first).

The stack runs with the public URL on `localhost`: WebAuthn refuses an IP address as the RP id."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.web.deskpasses import COWORK_DESK, COWORK_PERK
from tests.web.test_console_campaigns import STAFF
from tests.web.test_desk import sign_in as desk_sign_in, signed_in as desk_signed_in, type_code
from tests.web.test_passkeys import phone
from tests.web.holder_steps import perk_article, sign_in as holder_sign_in
from tests.web.webstack import SCREENS_DIR, open_page, start_stack, tap, visible, wait, wallet_extension

TARGET_SECONDS = 20  # issue 14: first visit → card in hand
ARTIFACT = SCREENS_DIR.parent / "first-visit.json"


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    running = start_stack(tmp_path_factory.mktemp("first-visit-stack"), host="localhost")
    yield running
    running.stop()


def staff_client(stack) -> httpx.Client:
    staff = httpx.Client(base_url=stack.base_url, timeout=60)
    login = staff.post("/staff/login", json=STAFF)
    login.raise_for_status()
    staff.cookies.clear()  # an API client: the bearer token
    staff.headers["Authorization"] = f"Bearer {login.json()['token']}"
    return staff


def claim_link(stack) -> str:
    """Staff make a voucher campaign of the demo collection, one claim link of it, and let the town pay."""
    staff = staff_client(stack)
    try:
        town = staff.get("/staff/municipalities").json()[0]["id"]
        now = int(time.time())
        made = staff.post(f"/staff/municipalities/{town}/campaigns", json={
            "collection": "MINEDEMO", "name_ja": "はじめての住民", "name_en": "First residents",
            "starts_at": now - 60, "ends_at": now + 86_400, "supply": 5, "voucher": True})
        assert made.status_code == 201, made.text
        links = staff.post(f"/staff/municipalities/{town}/campaigns/{made.json()['id']}/claim-links", json={"count": 1})
        assert links.status_code == 201, links.text
        policy = staff.put(f"/staff/municipalities/{town}/sponsorship", json={
            "enabled": True, "daily_budget_wei": 10**17, "monthly_budget_wei": 10**18, "per_person_per_day": 1,
            "per_address_per_day": 50})
        assert policy.status_code == 200, policy.text
        return links.json()[0]["url"]
    finally:
        staff.close()


def balance(stack, address: str, block: str | int = "latest") -> int:
    return int(stack.rpc("eth_getBalance", [address, block if isinstance(block, str) else hex(block)]), 16)


def fetch_json(driver, path: str):
    return driver.execute_async_script(
        "const done = arguments[0]; fetch(arguments[1]).then((r) => r.json()).then(done, (e) => done(String(e)));"
        .replace("arguments[1]", json.dumps(path)))


def test_first_visit_to_a_card_with_no_native_token_and_a_perk_used_at_the_desk(browser_factory, local_stack, shoot):
    url = claim_link(local_stack)
    assert url.startswith(local_stack.base_url)
    block_before = int(local_stack.rpc("eth_blockNumber"), 16)
    driver, authenticator = phone(browser_factory)

    started = time.monotonic()
    open_page(driver, url)
    create = visible(driver, "#claim-passkey")
    # No wallet extension and the town pays: the passkey account is the first choice, and there is no
    # "pay the fee myself" (an account with no native token could not).
    assert "primary" in create.get_attribute("class")
    assert driver.find_elements(By.ID, "claim-pay-myself") == []
    assert visible(driver, "[data-testid='claim-free-fee']").text
    shoot(driver, "first-visit-claim-link")
    create.click()
    visible(driver, "#claim-open-card", timeout=60)
    seconds = time.monotonic() - started

    me = fetch_json(driver, "/me")
    account = me["address"]
    credentials = driver.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1
    cards = fetch_json(driver, "/me/cards")
    assert [c["symbol"] for c in cards] == ["MINEDEMO"]
    assert balance(local_stack, account, block_before) == 0 and balance(local_stack, account) == 0
    assert [s.get_attribute("data-state") for s in driver.find_elements(By.CSS_SELECTOR, "#claim-steps li")] == \
        ["done"] * 3
    shoot(driver, "first-visit-card-in-hand")
    print(f"\nfirst visit → card in hand: {seconds:.1f} s (target ≤ {TARGET_SECONDS} s)")
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps({"first_visit_to_card_seconds": round(seconds, 1), "target": TARGET_SECONDS}))

    # The card's page: a pass for the coworking perk, with its desk code.
    driver.find_element(By.ID, "claim-open-card").click()
    visible(driver, "#home", timeout=30)
    assert fetch_json(driver, "/me")["passkey"] is True
    # The holder page's open campaigns: a passkey account is never offered "pay the fee myself".
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#campaigns [data-campaign-id]"), timeout=30,
         message="no open campaign listed")
    assert driver.find_elements(By.CSS_SELECTOR, "#campaigns [data-action='claim']") == []
    perk = perk_article(driver, COWORK_PERK, timeout=30)
    tap(driver, perk.find_element(By.CSS_SELECTOR, "[data-action='show-pass']"))
    tap(driver, visible(driver, "#pass-code summary"))
    code = wait(driver, lambda d: d.find_element(By.ID, "pass-text").text.strip(), message="no desk code shown")
    shoot(driver, "first-visit-pass")

    desk = browser_factory(width=375, height=800)
    open_page(desk, local_stack.url("/desk"))
    desk_sign_in(desk, *COWORK_DESK)
    desk_signed_in(desk)
    assert type_code(desk, code) == "ok"
    assert COWORK_PERK in desk.find_element(By.ID, "result").text
    total = time.monotonic() - started
    print(f"first visit → perk used at the desk: {total:.1f} s")
    assert balance(local_stack, account) == 0
    assert seconds <= TARGET_SECONDS * 3, f"{seconds:.1f} s: far over the target on this machine"



def open_campaign(stack, name_en: str) -> int:
    """A free campaign open to everyone, of the demo collection."""
    staff = staff_client(stack)
    try:
        town = staff.get("/staff/municipalities").json()[0]["id"]
        now = int(time.time())
        made = staff.post(f"/staff/municipalities/{town}/campaigns", json={
            "collection": "MINEDEMO", "name_ja": "どなたでも", "name_en": name_en, "starts_at": now - 60,
            "ends_at": now + 86_400, "supply": 5})
        assert made.status_code == 201, made.text
        return made.json()["id"]
    finally:
        staff.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_wallet_holder_claims_without_a_fee_first_and_may_pay_it_instead(browser_factory, local_stack, shoot,
                                                                           tmp_path, lang):
    """The holder page's open campaign when the town pays: "Claim without a fee" first (the wallet signs a
    claim request, the relayer sends claimFor), "Pay the fee myself" second."""
    claim_link(local_stack)  # the policy on
    campaign = open_campaign(local_stack, f"Everyone {lang}")
    account = local_stack.accounts[{"ja": 5, "en": 8}[lang]]  # anvil accounts with no demo card
    funds = balance(local_stack, account)
    extension = wallet_extension(tmp_path / "wallet", local_stack.rpc_url, account)
    driver = browser_factory(lang=lang, extension=extension)
    holder_sign_in(driver, local_stack)
    article = visible(driver, f"#campaigns [data-campaign-id='{campaign}']", timeout=30)
    free = article.find_element(By.CSS_SELECTOR, "[data-action='claim-free']")
    pay = article.find_element(By.CSS_SELECTOR, "[data-action='claim']")
    assert "primary" in free.get_attribute("class") and "secondary" in pay.get_attribute("class")
    assert free.location["y"] <= pay.location["y"] and free.location["x"] <= pay.location["x"]
    assert pay.text == ("手数料を自分で払って受け取る" if lang == "ja" else "Pay the fee myself")
    shoot(driver, f"holder-campaign-fee-free-{lang}")
    free.click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-campaign-id='{campaign}'] .notice.ok"),
         timeout=60, message="the fee-free claim did not finish")
    assert balance(local_stack, account) == funds  # the wallet paid nothing: the relayer sent it
    cards = fetch_json(driver, "/me/cards")
    assert [c["symbol"] for c in cards] == ["MINEDEMO"]
    shoot(driver, f"holder-campaign-fee-free-done-{lang}")


def test_a_passkey_account_claims_an_open_campaign_the_town_pays_for(browser_factory, local_stack, shoot):
    """A passkey account holding no native token, on the holder page in Japanese at 375 px: the town pays the
    fee of this open (not voucher) campaign, so 「手数料なしで受け取る」 is offered, and no way that needs a fee;
    the passkey signs the claim request (ERC-7739 TypedDataSign under the account's domain, the challenge
    built by the page), the relayer deploys the account and sends claimFor, and the card arrives."""
    claim_link(local_stack)  # the policy on
    campaign = open_campaign(local_stack, "Everyone, passkey")
    driver, authenticator = phone(browser_factory, lang="ja")
    open_page(driver, local_stack.url("/"))
    visible(driver, "#passkey-create").click()
    visible(driver, "#home", timeout=30)
    account = fetch_json(driver, "/me")["address"]
    assert balance(local_stack, account) == 0 and local_stack.rpc("eth_getCode", [account, "latest"]) == "0x"

    article = visible(driver, f"#campaigns [data-campaign-id='{campaign}']", timeout=30)
    free = article.find_element(By.CSS_SELECTOR, "[data-action='claim-free']")
    assert free.text == "手数料なしで受け取る" and "primary" in free.get_attribute("class")
    assert article.find_elements(By.CSS_SELECTOR, "[data-action='claim']") == []
    assert article.find_elements(By.CSS_SELECTOR, "[data-testid='campaign-passkey-note']") == []
    signed_before = driver.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"][0]["signCount"]
    tap(driver, free)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-campaign-id='{campaign}'] .notice.ok"),
         timeout=90, message="the passkey's fee-free claim did not finish")
    article = driver.find_element(By.CSS_SELECTOR, f"#campaigns [data-campaign-id='{campaign}']")
    steps = {li.get_attribute("data-step"): li.get_attribute("data-state")
             for li in article.find_elements(By.CSS_SELECTOR, "li[data-step]")}
    assert steps == {"sign_free_passkey": "done", "sent_free": "done", "card": "done"}
    visible(driver, "#cards .card-view", timeout=30)  # the home redrawn with the new card
    shoot(driver, "holder-passkey-claim-ja", widths=(375,))

    assert [c["symbol"] for c in fetch_json(driver, "/me/cards")] == ["MINEDEMO"]
    assert driver.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"][0]["signCount"] > signed_before  # the passkey signed the claim request
    assert balance(local_stack, account) == 0  # the relayer sent (and paid) the deployment and the claim
    assert local_stack.rpc("eth_getCode", [account, "latest"]) != "0x"


def test_a_poster_of_an_open_campaign_takes_a_phone_without_a_wallet_to_a_card(browser_factory, local_stack):
    """The claim page of a poster (/claim#campaign-<id>, an open campaign the town pays for) offers a phone
    with no wallet extension the passkey account first, as a claim link does; the passkey signs the claim
    request and the card arrives, with 0 native token."""
    claim_link(local_stack)  # the policy on
    campaign = open_campaign(local_stack, "Poster, passkey")
    driver, _ = phone(browser_factory)
    open_page(driver, local_stack.url(f"/claim#campaign-{campaign}"))
    create = visible(driver, "#claim-passkey")
    assert "primary" in create.get_attribute("class")
    assert driver.find_elements(By.ID, "claim-pay-myself") == []
    hint = driver.find_element(By.CSS_SELECTOR, "#claim-steps li[data-step='claim_free'] .muted").text
    assert hint == "Sign the claim request with your passkey: Face ID, fingerprint or PIN (no fee)."
    create.click()
    visible(driver, "#claim-open-card", timeout=90)
    account = fetch_json(driver, "/me")["address"]
    assert [c["symbol"] for c in fetch_json(driver, "/me/cards")] == ["MINEDEMO"]
    assert balance(local_stack, account) == 0
