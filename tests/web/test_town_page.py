"""A first visit that explains itself, in a real browser against make run's stack: a card's link on the
holder page leads to its municipality's landing page (/town/<slug>), which shows the town's name, its card's
art, its perks, its open campaigns and how to join, in Japanese and English, without signing in; the pages'
own face, BIZ UDPGothic, draws its Japanese (this machine has no Japanese system font)."""

from selenium.webdriver.common.by import By

from tests.web.holder_steps import CAVE_PERK, sign_in
from tests.web.webstack import japanese_in_english_mode, open_page, visible, wait


def town_path(stack, wallet_browser) -> str:
    """The landing page's path, as the demo holder's card links it."""
    driver = wallet_browser(stack.demo_holders[0])
    sign_in(driver, stack)
    link = visible(driver, "#cards .card-view a.town-link")
    assert "Mine City" in link.text
    return "/" + link.get_attribute("href").split("/", 3)[3]


def image_loaded(driver, css: str) -> bool:
    return driver.execute_script("const i = document.querySelector(arguments[0]); "
                                 "return Boolean(i && i.complete && i.naturalWidth > 0)", css)


def test_the_town_page_explains_the_card_to_a_first_visitor(stack, wallet_browser, browser_factory, shoot):
    path = town_path(stack, wallet_browser)
    assert path.startswith("/town/")
    for lang in ("en", "ja"):
        driver = browser_factory(lang=lang)  # a visitor: no wallet, not signed in
        open_page(driver, stack.url(path))
        visible(driver, "#town")
        wait(driver, lambda d: image_loaded(d, "#town-cards img.card-image"), message="card art not loaded")
        perks = [h3.text for h3 in driver.find_elements(By.CSS_SELECTOR, "#town-perks [data-perk-id] h3")]
        steps = [li.get_attribute("data-step") for li in driver.find_elements(By.CSS_SELECTOR, ".town-steps li")]
        assert steps == ["account", "claim", "pass"]
        campaigns = driver.find_elements(By.CSS_SELECTOR, "#town-campaigns [data-campaign-id] a[data-action='claim']")
        for claim in campaigns:
            assert "/claim#campaign-" in claim.get_attribute("href")
        if lang == "en":
            assert visible(driver, "#town-name").text == "Mine City"
            assert visible(driver, "#town-name-other").text == "美祢市"
            assert CAVE_PERK in perks
            assert "How to join" in driver.find_element(By.ID, "town-how").text
            assert "passkey" in driver.find_element(By.ID, "town-how").text
            assert not [item for item in japanese_in_english_mode(driver) if item["text"] != "美祢市"]
            assert driver.title == "Become a digital resident of Mine City"
        else:
            assert visible(driver, "#town-name").text == "美祢市"
            assert "参加のしかた" in driver.find_element(By.ID, "town-how").text
            assert driver.title == "美祢市のデジタル住民になる"
        assert driver.find_element(By.ID, "town-join").get_attribute("href").endswith("/")
        shoot(driver, f"town-{lang}")


def test_an_unknown_town_says_so_and_leads_home(stack, browser):
    open_page(browser, stack.url("/town/no-such-town"))
    notice = visible(browser, "#town-notice .notice.error")
    assert notice.get_attribute("data-code") == "municipality_not_found"
    assert "no-such-town" in notice.text
    assert not browser.find_element(By.ID, "town").is_displayed()


# The web font: the face is in document.fonts and loaded, and a Japanese heading is drawn with it: its width
# with the face differs from its width in a fallback-only family (where this machine has no kana at all).
FONT_JS = r"""
const done = arguments[arguments.length - 1];
(async () => {
  await document.fonts.ready;
  const text = "住民カードの特典";
  await document.fonts.load('16px "BIZ UDPGothic"', text);
  const faces = [...document.fonts].filter((f) => f.family.replace(/"/g, "") === "BIZ UDPGothic");
  const canvas = document.createElement("canvas").getContext("2d");
  const width = (family) => { canvas.font = `32px ${family}`; return canvas.measureText(text).width; };
  const heading = document.getElementById("town-perks-title");
  done({
    faces: faces.map((f) => ({ weight: f.weight, status: f.status })),
    check: document.fonts.check('16px "BIZ UDPGothic"', text),
    withFace: width('"BIZ UDPGothic", monospace'),
    fallback: width("monospace"),
    headingFamily: getComputedStyle(heading).fontFamily,
  });
})().catch((error) => done({ error: String(error) }));
"""


def test_japanese_is_drawn_with_the_pages_own_face(stack, browser_factory):
    driver = browser_factory(lang="ja")
    open_page(driver, stack.url("/town/no-such-town"))  # any page: every one links fonts.css
    open_page(driver, stack.url("/"))
    measured = driver.execute_async_script(FONT_JS.replace("town-perks-title", "welcome-title"))
    assert "error" not in measured, measured
    loaded = {face["weight"] for face in measured["faces"] if face["status"] == "loaded"}
    assert "400" in loaded, measured  # the core face, fetched for the page's own kana and kanji
    assert measured["check"] is True
    assert abs(measured["withFace"] - measured["fallback"]) > 1, measured
    assert measured["headingFamily"].startswith('"BIZ UDPGothic"')
