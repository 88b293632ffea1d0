"""Accessibility of the holder page: text contrast (WCAG AA) in every state, keyboard use, labels."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.web.holder_steps import connect, open_pass, sign_in
from tests.web.webstack import low_contrast_texts, open_page, visible, wait


def test_every_text_has_enough_contrast_in_each_state(stack, wallet_browser, browser_factory):
    no_wallet = browser_factory()
    connect(no_wallet, stack)
    visible(no_wallet, "#no-wallet")
    assert low_contrast_texts(no_wallet) == []

    driver = wallet_browser(stack.demo_holders[0], reject_next=["personal_sign"])
    connect(driver, stack)
    visible(driver, "#sign-in-button").click()
    visible(driver, "#notice .notice.error")
    assert low_contrast_texts(driver) == []
    visible(driver, "#sign-in-button").click()
    visible(driver, "#home .card-view")
    assert low_contrast_texts(driver) == []
    open_pass(driver)
    assert low_contrast_texts(driver) == []
    # The check sees the texts: at an impossible 21:1 (black on white) nearly every text would fail.
    assert len(low_contrast_texts(driver, minimum=21)) > 10


def test_the_page_works_from_the_keyboard(stack, wallet_browser):
    driver = wallet_browser(stack.demo_holders[1])
    open_page(driver, stack.url("/"))
    body = driver.find_element(By.TAG_NAME, "body")

    def tab_to(css, limit=15):
        for _ in range(limit):
            if driver.execute_script("return document.activeElement.matches(arguments[0])", css):
                return driver.switch_to.active_element
            # Tab goes to whatever has focus (send_keys on an element refuses one that just got hidden).
            ActionChains(driver).send_keys(Keys.TAB).perform()
        raise AssertionError(f"{css} is not reachable with Tab")

    body.send_keys(Keys.TAB)
    assert driver.switch_to.active_element.get_attribute("class") == "skip-link"
    tab_to("#connect").send_keys(Keys.ENTER)
    visible(driver, "#sign-in-button")
    # Connecting hides the connect button; focus moves on to "sign in" so the keyboard user goes on there.
    wait(driver, lambda d: d.execute_script("return document.activeElement.id") == "sign-in-button",
         message="focus did not move to the sign-in button")
    tab_to("#sign-in-button").send_keys(Keys.ENTER)
    visible(driver, "#home .card-view")
    # The perks are a section of their own: its link in the bar, then its first pass button.
    tab_to("[data-section-link='perks']", limit=30).send_keys(Keys.ENTER)
    wait(driver, lambda d: d.execute_script("return document.activeElement.id") == "perks-title",
         message="focus did not move to the perks section's heading")
    tab_to("[data-action='show-pass']", limit=30).send_keys(Keys.ENTER)
    visible(driver, "#pass-qr[data-pass]")
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # a modal dialog closes with Escape
    wait(driver, lambda d: not d.find_element(By.ID, "pass-dialog").is_displayed(), message="Escape did not close")
    outline = driver.execute_script("""
      const b = document.querySelector("[data-action='show-pass']"); b.focus();
      return getComputedStyle(b).outlineStyle + " " + getComputedStyle(b).outlineWidth;""")
    assert outline.startswith("solid") and not outline.endswith(" 0px")


def test_controls_have_names(stack, wallet_browser):
    driver = wallet_browser(stack.demo_holders[2])
    sign_in(driver, stack)
    unnamed = driver.execute_script("""
      return [...document.querySelectorAll("button, a, img, [role=group]")].filter((el) => el.getClientRects().length)
        .filter((el) => !(el.getAttribute("aria-label") || el.getAttribute("alt") || el.textContent.trim()))
        .map((el) => el.outerHTML.slice(0, 80));""")
    assert unnamed == []
