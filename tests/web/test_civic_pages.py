"""The civic part of the holder app in Chromium on `make run`'s demo: a holder signs in with the test wallet,
votes in the demo poll by signing the EIP-712 ballot in the wallet (anvil signs: a real signature), a second
ballot for the same card is refused, and the town's news are shown. Screenshots: civic-*.png."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.web.holder_steps import section
from tests.web.webstack import JAPANESE, act, japanese_in_english_mode, open_page, visible, wait


def sign_in(driver, stack):
    open_page(driver, stack.url("/"))
    visible(driver, "#connect").click()
    visible(driver, "#sign-in-button").click()
    visible(driver, "#home")
    section(driver, "news")


def post_again(driver, poll_id: int, token_id: int) -> dict:
    """Sends the stored ballot (same card, same signed answers) again from the signed-in page."""
    return driver.execute_async_script("""
        const [pollId, tokenId, done] = arguments;
        (async () => {
          const receipts = await (await fetch(`/polls/${pollId}/receipts`)).json();
          const mine = receipts.find((r) => r.token_id === tokenId);
          const poll = await (await fetch(`/polls/${pollId}`)).json();
          const first = poll.questions[0].id;
          const response = await fetch(`/polls/${pollId}/ballots`, { method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ card: tokenId, answers: { [first]: [0] }, signature: mine.signature }) });
          done({ status: response.status, body: await response.json() });
        })().catch((error) => done({ status: -1, body: String(error) }));
    """, poll_id, token_id)


def test_a_holder_votes_once_in_the_wallet_and_sees_the_news(stack, wallet_browser, shoot):
    holder = stack.demo_holders[2]  # a basic card: the demo poll is open to every valid card
    driver = wallet_browser(holder)
    sign_in(driver, stack)
    form = visible(driver, "form[data-ballot]")
    poll_id, token_id = (int(part) for part in form.get_attribute("data-ballot").split(":"))
    assert "Which project should the residents' budget fund?" in driver.find_element(
        By.CSS_SELECTOR, f"[data-poll='{poll_id}'] h3").text
    news = visible(driver, "[data-civic='news']")
    assert "Welcome, digital residents" in news.text
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "civic-holder-poll")

    form.find_element(By.CSS_SELECTOR, "input[type=radio]").click()
    form.find_element(By.CSS_SELECTOR, "textarea").send_keys("Keep the trails open in winter.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    voted = visible(driver, f"[data-poll='{poll_id}'] [data-voted='true']", timeout=30)
    assert voted.text == "Voted"
    assert "eth_signTypedData_v4" in driver.execute_script("return window.__testWallet.requests")
    assert "Your vote has been recorded" in driver.find_element(By.CSS_SELECTOR, f"[data-poll='{poll_id}']").text
    assert not driver.find_elements(By.CSS_SELECTOR, f"form[data-ballot='{poll_id}:{token_id}']")
    shoot(driver, "civic-holder-voted")

    again = post_again(driver, poll_id, token_id)
    assert again["status"] == 409 and again["body"]["code"] == "already_voted", again
    assert JAPANESE.search(again["body"]["message_ja"])

    # Japanese: the same page, every civic text switched
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: "投票済み" in d.find_element(By.CSS_SELECTOR, f"[data-poll='{poll_id}']").text)
    assert "デジタル住民の皆さまへ" in driver.find_element(By.CSS_SELECTOR, "[data-civic='news']").text
    shoot(driver, "civic-holder-voted-ja")


def test_news_can_be_marked_read(stack, wallet_browser):
    driver = wallet_browser(stack.demo_holders[1])
    sign_in(driver, stack)
    visible(driver, "[data-civic='news']")
    unread = lambda d: int(d.find_element(By.CSS_SELECTOR, "[data-civic='news'] p.small").text.split()[0])
    before = wait(driver, unread, message="no unread count")

    def mark_the_first_unread(d):
        button = d.find_element(By.CSS_SELECTOR, "[data-civic='news'] [data-announcement] button.secondary")
        announcement = button.find_element(By.XPATH, "ancestor::article").get_attribute("data-announcement")
        button.click()
        return announcement

    announcement = act(driver, mark_the_first_unread)
    wait(driver, lambda d: unread(d) == before - 1, message="the unread count did not go down")

    def marked(d):
        article = d.find_element(By.CSS_SELECTOR, f"[data-announcement='{announcement}']")
        return not article.find_elements(By.CSS_SELECTOR, "button") and "New" not in article.text
    wait(driver, marked, message="the announcement still shows as new")


def test_an_inactivity_notice_is_lifted_by_signing_in_and_the_holder_sees_it(stack, wallet_browser, shoot):
    """Card #1 made two years quiet in the stack's database; staff run the rule; the holder signs in."""
    import json
    import sqlite3
    import time
    import urllib.request

    holder = stack.demo_holders[0]
    then = int(time.time()) - 800 * 86400
    with sqlite3.connect(stack.data_dir / "resident.db") as db:
        db.execute("UPDATE cards SET holding_since = ? WHERE owner = ?", (then, holder))
        db.execute("UPDATE holder_activity SET last_active_at = ? WHERE address = ?", (then, holder))

    def call(method, path, body=None, token=None):
        request = urllib.request.Request(stack.url(path), json.dumps(body).encode() if body is not None else None,
                                         {"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})}, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    token = call("POST", "/staff/login", {"login": "admin", "password": "demo-admin-password"})["token"]
    mid = call("GET", "/staff/municipalities", token=token)[0]["id"]
    call("PUT", f"/staff/municipalities/{mid}/inactivity", {"enabled": True, "inactive_days": 730, "notice_days": 60},
         token)
    report = call("POST", f"/staff/municipalities/{mid}/inactivity/run", token=token)
    assert report["noticed"] >= 1, report
    call("PUT", f"/staff/municipalities/{mid}/inactivity", {"enabled": False, "inactive_days": 730, "notice_days": 60},
         token)

    driver = wallet_browser(holder)
    sign_in(driver, stack)
    notices = visible(driver, "[data-civic='notices']")
    assert "Cancelled: you were active again." in notices.text
    assert driver.find_elements(By.CSS_SELECTOR, "[data-civic='notices'] [data-notice='cancelled']")
    news = visible(driver, "[data-civic='news']")
    assert "Your digital resident card has been inactive for a long time" in news.text
    assert "signing in is enough" in news.text
    assert japanese_in_english_mode(driver) == []
    shoot(driver, "civic-holder-notice-lifted")
