"""Steps of the holder page the browser tests share: open, connect, sign in, move to a section, open a pass;
venue redeem."""

from __future__ import annotations

import httpx
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By

from tests.web.webstack import open_page, tap, visible, wait

# A desk code as the pass dialog shows it (backend/venues/desk_codes.py: six of 31 unambiguous characters).
DESK_CODE = r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}"
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


def section(driver, name: str):
    """Moves to a section of the signed-in holder page with its bar (card, perks, activities, news, settings),
    as a phone user taps it; returns the section's element once shown."""
    if driver.execute_script("return document.body.dataset.section") != name:
        visible(driver, f"#section-nav [data-section-link='{name}']").click()
    return visible(driver, f"#section-{name}")


def find_perk(driver, name_en: str):
    """The perk's <article> on the holder page (its perks section shown), or None while it is not drawn."""
    section(driver, "perks")
    for article in driver.find_elements(By.CSS_SELECTOR, "#perks [data-perk-id]"):
        if article.find_element(By.CSS_SELECTOR, "h3").text == name_en:
            return article
    return None


def perk_article(driver, name_en: str, timeout: float = 15):
    return wait(driver, lambda d: find_perk(d, name_en), timeout, message=f"no perk {name_en!r} on the page")


def open_pass(driver, name_en: str = CAVE_PERK) -> str:
    """Opens the pass of a perk; returns the pass text read from the page (the QR's data-pass)."""
    tap(driver, perk_article(driver, name_en).find_element(By.CSS_SELECTOR, "[data-action='show-pass']"))
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


# Reads the QR image as shown on the page (drawn at its displayed size, as a camera would see it) with the
# vendored ZXing library, the decoder of the venue desk, loaded from this origin (the page's CSP allows it).
# The image is decoded (loaded) first. A desk camera sees the code at many sizes; at exactly 8 px per module
# ZXing's 8 px binarizer blocks can misjudge a crisp image, which a camera never sees, so a miss at the
# displayed size is read again a little larger, with a white margin, before it counts as unreadable.
DECODE_QR_JS = r"""
const done = arguments[arguments.length - 1];
const image = document.querySelector(arguments[0]);
const read = (scale) => {
  const size = Math.round(image.getBoundingClientRect().width * scale);
  const margin = Math.round(size / 10);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size + 2 * margin;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, margin, margin, size, size);
  const bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(new ZXing.HTMLCanvasElementLuminanceSource(canvas)));
  return new ZXing.QRCodeReader().decode(bitmap).getText();
};
const decode = async () => {
  try { await image.decode(); } catch (error) { return done("error: the image did not load: " + error); }
  const errors = [];
  for (const scale of [1, 1.25, 1.5]) {
    try { return done(read(scale)); } catch (error) { errors.push(`x${scale}: ${error}`); }
  }
  done("error: " + errors.join("; "));
};
if (window.ZXing) { decode(); } else {
  const script = document.createElement("script");
  script.src = "/static/vendor/zxing-library.min.js";
  script.onload = decode;
  script.onerror = () => done("error: ZXing did not load");
  document.head.append(script);
}
"""


def decode_qr(driver, css: str) -> str:
    """The QR's text, or "error: ..." when no read succeeded within 10 s (a frame that cannot be read, e.g.
    while the browser rasterizes the image under load, is read again, as a desk camera reads frame after frame)."""
    reads = []

    def read(d):
        reads.append(d.execute_async_script(DECODE_QR_JS, css))
        return not reads[-1].startswith("error:")
    try:
        wait(driver, read, timeout=10)
    except TimeoutException:
        pass
    return reads[-1]
