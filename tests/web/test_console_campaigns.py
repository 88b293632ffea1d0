"""The console's Campaigns tab in a real browser against make run's stack: staff upload an allowlist with a bad
row (each row's error shown, in the current language), then a good one, and create a campaign on chain; a holder
without a card claims it in the holder page through the wallet and gets a card."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.webstack import act, get_json, japanese_in_english_mode, open_page, visible, wait

STAFF = {"login": "admin", "password": "demo-admin-password"}
# anvil's development account 7: no demo card, and used by no other browser test (each claim takes a wallet's
# one soulbound card, and the stack is shared by the session's tests).
HOLDER_INDEX = 7

MOUNT_JS = """
const done = arguments[arguments.length - 1];
(async () => {
  const login = await fetch("/staff/login", {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(arguments[0])});
  if (!login.ok) return done("login " + login.status);
  const towns = await (await fetch("/staff/municipalities", {credentials: "same-origin"})).json();
  const main = document.querySelector("main");
  main.replaceChildren();
  const module = await import("/static/js/console_campaigns.js");
  await module.mount(main, {municipality: towns[0]});
  done(String(towns[0].id));
})().catch((error) => done("error " + error));
"""


def verify_identity(stack, index: int, subject: str) -> None:
    """Anvil account `index` signs in over HTTP and verifies its identity with the development provider."""
    from eth_account import Account

    from tests.backend.access_setup import bearer, personal_sign, siwe_text
    from tests.backend.localchain import ANVIL_KEYS

    account = Account.from_key(ANVIL_KEYS[index])
    with httpx.Client(base_url=stack.url(), timeout=30) as http:
        text = siwe_text(account.address, http.post("/auth/nonce").json()["nonce"],
                         domain=stack.url().removeprefix("http://").rstrip("/"), uri=stack.url("/"))
        signed_in = http.post("/auth/siwe", json={"message": text, "signature": personal_sign(account, text)})
        assert signed_in.status_code == 200, signed_in.text
        headers = bearer(signed_in.json()["token"])
        http.cookies.clear()  # an API client: the bearer token (a cookie without Origin is refused on a POST)
        nonce = http.post("/me/identity/nonce", json={"purpose": "identity"}, headers=headers).json()["nonce"]
        assertion = http.post("/dev/identity/assertion", json={"nonce": nonce, "subject": subject,
                                                               "birthdate": "1990-04-01"}).json()["assertion"]
        verified = http.post("/me/identity", json={"assertion": assertion}, headers=headers)
        assert verified.status_code == 200, verified.text


def holder_sign_in(driver, stack):
    """The holder page: connect the (only) wallet, sign in with it, wait for the home view."""
    open_page(driver, stack.url("/"))
    visible(driver, "#connect").click()
    visible(driver, "#sign-in-button").click()
    visible(driver, "#home")


def open_campaigns_tab(driver, stack) -> int:
    """The console page with the Campaigns tab mounted for the demo municipality, staff signed in.

    The tab is mounted as the console shell does (`mount(container, ctx)`), so the test does not depend on
    the shell's navigation."""
    open_page(driver, stack.url("/console"))
    answer = driver.execute_async_script(MOUNT_JS, STAFF)
    assert answer.isdigit(), answer
    visible(driver, "#campaigns-list-title")
    return int(answer)


def upload_allowlist(driver, path):
    driver.find_element(By.ID, "campaigns-allowlist-file").send_keys(str(path))
    driver.find_element(By.ID, "campaigns-allowlist-upload").click()


def assert_create_form_cleared(driver):
    """After a create the form starts over: no names left to send twice, back to "anyone may claim"."""
    assert [driver.find_element(By.ID, i).get_attribute("value") for i in ("campaigns-name-ja", "campaigns-name-en")] \
        == ["", ""]
    assert driver.find_element(By.ID, "campaigns-mode-open").is_selected()
    assert not driver.find_element(By.ID, "campaigns-allowlist").is_displayed()


def test_staff_create_an_allowlist_campaign_and_a_holder_claims_it(stack, browser_factory, wallet_browser, shoot,
                                                                   tmp_path):
    holder = stack.accounts[HOLDER_INDEX]
    assert get_json(stack.url(f"/holders/{holder}/cards")) == []
    driver = browser_factory(lang="en")
    municipality = open_campaigns_tab(driver, stack)
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "console-campaigns")

    # A list saved by Excel in Shift_JIS with a bad address on row 3: every problem shown, nothing imported.
    bad = tmp_path / "bad.csv"
    bad.write_bytes(f"アドレス,上限\r\n{holder},1\r\n0x1234,1\r\n".encode("cp932"))
    upload_allowlist(driver, bad)
    error = visible(driver, ".csv-errors li[data-row='3']")
    assert "Row 3" in error.text and "address" in error.text.lower()
    assert japanese_in_english_mode(driver) == []  # the file's own header アドレス is marked lang="ja"
    shoot(driver, "console-campaigns-csv-errors")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: "3行目" in d.find_element(By.CSS_SELECTOR, ".csv-errors li[data-row='3']").text,
         message="row error not shown in Japanese")
    shoot(driver, "console-campaigns-csv-errors-ja")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()

    good = tmp_path / "good.csv"
    good.write_bytes(f"\ufeffaddress\r\n{holder}\r\n{stack.accounts[8]}\r\n".encode())
    upload_allowlist(driver, good)
    wait(driver, lambda d: "2 wallets" in d.find_element(By.CSS_SELECTOR, "[data-testid='allowlist-result']").text,
         message="allowlist not imported")
    assert driver.find_element(By.ID, "campaigns-mode-allowlist").is_selected()

    driver.find_element(By.ID, "campaigns-name-ja").send_keys("秋の移住キャンペーン")
    driver.find_element(By.ID, "campaigns-name-en").send_keys("Autumn move-in drive")
    Select(driver.find_element(By.ID, "campaigns-create-collection")).select_by_value("MINEDEMO")
    driver.find_element(By.CSS_SELECTOR, ".campaign-form button[type='submit']").click()
    result = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='create-result'] .notice.ok"),
                  timeout=60, message="campaign not created")
    assert "Autumn move-in drive" in result.text and "0x" in result.text
    # Other tests of the session make campaigns too: this one is the row with its name.
    row = wait(driver, lambda d: [r for r in d.find_elements(By.CSS_SELECTOR, "tr[data-campaign]")
                                  if "Autumn move-in drive" in r.text], message="the new campaign is not listed")[0]
    campaign_id = row.get_attribute("data-campaign")
    assert row.find_element(By.CSS_SELECTOR, "[data-status]").get_attribute("data-status") == "open"
    assert_create_form_cleared(driver)
    shoot(driver, "console-campaigns-created")

    # The holder: sign in on the holder page and claim through the wallet.
    holder_driver = wallet_browser(holder)
    holder_sign_in(holder_driver, stack)
    claim = visible(holder_driver, f"[data-campaign-id='{campaign_id}'] [data-action='claim']")
    article = f"[data-campaign-id='{campaign_id}']"
    shoot(holder_driver, "holder-campaign-open")
    claim.click()
    try:
        wait(holder_driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"{article} .claim-message.ok"), timeout=90)
    except Exception as exc:
        shown = holder_driver.find_element(By.CSS_SELECTOR, article).text
        raise AssertionError(f"the claim did not finish; the page shows: {shown}") from exc
    shoot(holder_driver, "holder-campaign-claimed")
    cards = get_json(stack.url(f"/holders/{holder}/cards"))
    assert [c["symbol"] for c in cards] == ["MINEDEMO"]
    staff = httpx.Client(base_url=stack.base_url)
    staff.post("/staff/login", json=STAFF).raise_for_status()
    listed = {str(c["id"]): c for c in staff.get(f"/staff/municipalities/{municipality}/campaigns").json()}
    assert listed[campaign_id]["claimed"] == 1


def test_staff_issue_a_voucher_and_follow_an_airdrop_to_the_end(stack, browser_factory, shoot, tmp_path):
    from eth_account import Account

    driver = browser_factory(lang="ja")
    open_campaigns_tab(driver, stack)

    # A voucher campaign, then a voucher for a wallet after the identity check.
    driver.find_element(By.ID, "campaigns-name-ja").send_keys("本人確認つき募集")
    driver.find_element(By.ID, "campaigns-name-en").send_keys("Checked-identity drive")
    driver.find_element(By.ID, "campaigns-mode-voucher").click()
    driver.find_element(By.CSS_SELECTOR, ".campaign-form button[type='submit']").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='create-result'] .notice.ok"), timeout=60,
         message="voucher campaign not created")
    assert_create_form_cleared(driver)

    def issue_voucher(d):  # the campaign row's last button: バウチャー発行
        rows = [r for r in d.find_elements(By.CSS_SELECTOR, "tr[data-campaign]") if "本人確認つき募集" in r.text]
        if not rows:
            return False
        rows[0].find_elements(By.CSS_SELECTOR, ".row-actions button")[-1].click()
    act(driver, issue_voucher, message="campaign row missing")
    recipient = stack.accounts[9]
    verify_identity(stack, 9, "本人確認-0009")  # on the holder page, before staff sign
    visible(driver, "#campaigns-voucher-recipient").send_keys(recipient)
    driver.find_element(By.CSS_SELECTOR, ".voucher-form button[type='submit']").click()
    done = wait(driver, lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR,
                                                                 "[data-testid='voucher-result'] .notice.ok")],
                timeout=30, message="voucher not issued")[0]
    assert recipient in done and "発行しました" in done
    shoot(driver, "console-campaigns-voucher")

    # An airdrop of three new wallets, followed to the end by the progress bar.
    wallets = [Account.create().address for _ in range(3)]
    listing = tmp_path / "airdrop.csv"
    listing.write_bytes(("アドレス\r\n" + "\r\n".join(wallets) + "\r\n").encode("cp932"))
    driver.find_element(By.ID, "campaigns-airdrop-file").send_keys(str(listing))
    driver.find_element(By.CSS_SELECTOR, "#campaigns-airdrop-validity").send_keys("30")
    driver.find_element(By.ID, "campaigns-airdrop-file").find_element(By.XPATH, "ancestor::form").submit()

    def finished(d):
        return [(job.text, job.find_element(By.TAG_NAME, "progress").get_attribute("value"),
                 job.find_element(By.TAG_NAME, "progress").get_attribute("max"))
                for job in d.find_elements(By.CSS_SELECTOR, "[data-job][data-status='done']")]
    text, value, maximum = wait(driver, finished, timeout=90, message="airdrop did not finish")[0]
    assert value == maximum == "3"
    assert "3 / 3" in text and "完了" in text
    shoot(driver, "console-campaigns-airdrop-done")
    wait(driver, lambda d: all([c["symbol"] for c in get_json(stack.url(f"/holders/{w}/cards"))] == ["MINEDEMO"]
                               for w in wallets), message="airdropped cards not indexed")


def test_a_list_of_many_bad_rows_shows_the_first_200_and_how_many_more(stack, browser_factory, tmp_path):
    driver = browser_factory(lang="en")
    open_campaigns_tab(driver, stack)
    bad = tmp_path / "many.csv"
    bad.write_bytes(("address\r\n" + "0x1234\r\n" * 250).encode())  # one problem a row: 250
    upload_allowlist(driver, bad)
    more = visible(driver, ".csv-more")
    assert "50 more" in more.text
    assert len(driver.find_elements(By.CSS_SELECTOR, ".csv-errors li")) == 200
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: "ほか 50 件" in d.find_element(By.CSS_SELECTOR, ".csv-more").text,
         message="the count of the rest is not shown in Japanese")


def test_airdrop_dry_run_names_the_wallets_it_would_skip_in_both_languages(stack, browser_factory, shoot, tmp_path):
    from eth_account import Account

    holder = next(a for a in stack.accounts if get_json(stack.url(f"/holders/{a}/cards")))  # a demo card's holder
    fresh = [Account.create().address for _ in range(2)]
    listing = tmp_path / "dry-run.csv"
    listing.write_bytes(("address\r\n" + "\r\n".join([fresh[0], holder, fresh[1]]) + "\r\n").encode())
    driver = browser_factory(lang="en")
    open_campaigns_tab(driver, stack)
    driver.find_element(By.ID, "campaigns-airdrop-file").send_keys(str(listing))
    driver.find_element(By.ID, "campaigns-airdrop-dry-run").click()
    box = "[data-testid='airdrop-dry-run']"
    skipped = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"{box} li[data-line='3']"), timeout=30,
                   message="dry run not shown")[0]
    assert holder in skipped.text and "already holds a card" in skipped.text
    assert "Dry run: 2 cards" in driver.find_element(By.CSS_SELECTOR, box).text
    assert len(driver.find_elements(By.CSS_SELECTOR, f"{box} li")) == 1
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "console-campaigns-airdrop-dry-run")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: "3行目" in d.find_element(By.CSS_SELECTOR, f"{box} li[data-line='3']").text,
         message="dry run not redrawn in Japanese")
    assert "何も送信していません" in driver.find_element(By.CSS_SELECTOR, box).text
    shoot(driver, "console-campaigns-airdrop-dry-run-ja")
    assert all(get_json(stack.url(f"/holders/{w}/cards")) == [] for w in fresh)
