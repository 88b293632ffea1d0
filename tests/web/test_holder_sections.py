"""The signed-in holder page in five sections a phone moves between with its bar (card, perks and pass,
activities, polls and news, settings): the address keeps the section over a reload and the back button goes
to the one before; on a 375 px phone each is much shorter than the one long page was (6,414 px before)."""

from selenium.webdriver.common.by import By

from tests.web.holder_steps import CAVE_PERK, perk_article, section, sign_in
from tests.web.webstack import visible, wait

SECTIONS = ("card", "perks", "activities", "news", "settings")
PHONE = {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}


def page_height(driver) -> int:
    return driver.execute_script("return document.documentElement.scrollHeight")


def shown(driver) -> list[str]:
    return [el.get_attribute("data-section") for el in driver.find_elements(By.CSS_SELECTOR, ".holder-section")
            if el.is_displayed()]


def test_each_section_is_one_tap_away_and_a_reload_keeps_it(stack, wallet_browser, shoot):
    driver = wallet_browser(stack.demo_holders[0])
    sign_in(driver, stack)
    assert shown(driver) == ["card"]
    assert visible(driver, "[data-section-link='card']").get_attribute("aria-current") == "page"
    heights = {}
    for name in SECTIONS:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)  # shoot() clears it
        wait(driver, lambda d: d.execute_script("return window.innerWidth") == 375, message="not 375 px wide")
        section(driver, name)
        assert shown(driver) == [name]
        assert driver.current_url.endswith(f"#{name}") or name == "card"  # card: the section of a bare /"
        if name == "activities":
            visible(driver, "#residency-title")
        if name == "news":
            visible(driver, "#civic-polls-title")
        # The bar stays in reach at the bottom of a phone's screen.
        bar = driver.execute_script("const nav = document.getElementById('section-nav'); "
                                    "const r = nav.getBoundingClientRect(); return {bottom: r.bottom, height: r.height, "
                                    "screen: document.documentElement.clientHeight, position: getComputedStyle(nav).position}")
        assert bar["position"] == "fixed" and abs(bar["bottom"] - bar["screen"]) < 2 and bar["height"] > 40, bar
        heights[name] = page_height(driver)
        if name == "card":
            # The open campaigns are listed in full, and other tests of this stack open more: the section is
            # measured without them, and each campaign's own box is bounded instead.
            campaigns = driver.execute_script(
                "return [...document.querySelectorAll('#campaigns > article')].map((a) => a.offsetHeight)")
            assert all(height < 450 for height in campaigns), campaigns
            heights["card"] -= sum(campaigns)
        shoot(driver, f"holder-section-{name}", widths=(375,))
    print("holder section heights at 375 px:", heights)
    assert max(heights.values()) < 6414 * 0.6, heights
    assert heights["card"] < 2000 and heights["perks"] < 2000, heights  # card: without its campaigns
    assert "Mine City" in visible(driver, "#settings-towns").text  # the settings list the town's page

    driver.refresh()  # on #settings
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "true")
    visible(driver, "#home")
    assert shown(driver) == ["settings"]
    driver.back()  # to #news, the section before
    wait(driver, lambda d: shown(d) == ["news"], message="back did not return to the news")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    section(driver, "perks")
    assert perk_article(driver, CAVE_PERK).is_displayed()
    shoot(driver, "holder-section-perks-wide", widths=(1280,))
