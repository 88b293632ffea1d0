"""Steps of the holder page the browser tests share: open, connect, sign in, open a pass; venue redeem."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By

from webstack import open_page, visible, wait

CAVE_PERK = "Akiyoshi-do Cave: free entry"
CAVE_DESK = ("cave-desk", "demo-cave-password")


def connect(driver, stack):
    open_page(driver, stack.url("/"))
    visible(driver, "#connect").click()


def sign_in(driver, stack):
    """From the welcome page to the signed-in home (one wallet: it is used directly)."""
    connect(driver, stack)
    visible(driver, "#sign-in-button").click()
    visible(driver, "#home")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#cards .card-view, #cards p"), message="cards not drawn")


def find_perk(driver, name_en: str):
    """The perk's <article> on the holder page, or None while it is not drawn."""
    for article in driver.find_elements(By.CSS_SELECTOR, "#perks [data-perk-id]"):
        if article.find_element(By.CSS_SELECTOR, "h3").text == name_en:
            return article
    return None


def perk_article(driver, name_en: str):
    return wait(driver, lambda d: find_perk(d, name_en), message=f"no perk {name_en!r} on the page")


def open_pass(driver, name_en: str = CAVE_PERK) -> str:
    """Opens the pass of a perk; returns the pass text read from the page (the QR's data-pass)."""
    perk_article(driver, name_en).find_element(By.CSS_SELECTOR, "[data-action='show-pass']").click()
    image = visible(driver, "#pass-qr[data-pass]")
    wait(driver, lambda d: d.execute_script("const i = document.getElementById('pass-qr'); "
                                            "return i.complete && i.naturalWidth > 0"), message="QR not drawn")
    return image.get_attribute("data-pass")


def venue_redeem(stack, pass_text: str, desk=CAVE_DESK) -> dict:
    """What the venue desk does with a scanned pass: sign in, then POST /venue/redeem."""
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        login = client.post("/venue/login", json={"login": desk[0], "password": desk[1]})
        assert login.status_code == 200, login.text
        answer = client.post("/venue/redeem", json={"pass": pass_text},
                             headers={"Authorization": f"Bearer {login.json()['token']}"})
        assert answer.status_code == 200, answer.text
        return answer.json()
