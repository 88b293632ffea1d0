"""The venue desk page (/desk) in headless Chromium against `make run`'s stack.

Passes are made as a holder's phone makes them (SIWE with the demo holder's key, then
POST /me/perks/{id}/pass: tests/web/deskpasses.py); the desk page redeems them by a typed code and
through the camera, which is a Y4M video of the pass's QR code (tests/web/fakecam.py) that the page's
own ZXing decodes. The coworking day pass (12 a year, at the coworking desk) is used so that runs
and other tests do not exhaust it; the cave perk (once a day) is only shown at the wrong desk.
Every state is screenshotted at 375 and 1280 px into test-artifacts/screens/desk-*.png.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.web.deskpasses import CAVE_PERK, COWORK_DESK, COWORK_PERK, sign_in_holder
from tests.web.fakecam import FakeCamera, set_camera_permission
from tests.web.webstack import japanese_in_english_mode, open_page, visible, visible_texts, wait, JAPANESE


@pytest.fixture
def camera(tmp_path):
    return FakeCamera(tmp_path / "camera.y4m")


@pytest.fixture
def desk(browser_factory, stack, camera):
    """desk(lang="en", camera_allowed=True, camera=True): a browser on /desk whose camera films `camera`."""

    def make(lang: str = "en", camera_allowed: bool = True, has_camera: bool = True):
        driver = browser_factory(lang=lang, extra_args=camera.chromium_args() if has_camera else ())
        set_camera_permission(driver, stack.base_url, allowed=camera_allowed)
        open_page(driver, stack.url("/desk"))
        return driver

    return make


def post_json(stack, path: str, body: dict):
    request = urllib.request.Request(stack.url(path), json.dumps(body).encode(),
                                     {"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def sign_in(driver, login: str = COWORK_DESK[0], password: str = COWORK_DESK[1]) -> None:
    visible(driver, "#login").clear()
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").clear()
    driver.find_element(By.ID, "password").send_keys(password + Keys.ENTER)


def signed_in(driver) -> None:
    visible(driver, "#desk")
    wait(driver, lambda d: d.find_element(By.ID, "today-count").text != "", message="today's count never showed")


def verdict(driver, timeout: float = 20) -> str:
    """The result's state once the check is done: ok, no or error."""
    return wait(driver, lambda d: d.find_element(By.ID, "result").get_attribute("data-state")
                if d.find_element(By.ID, "result").get_attribute("data-state") in ("ok", "no", "error") else False,
                timeout, "no verdict shown")


def type_code(driver, code: str) -> str:
    field = visible(driver, "#code")
    field.clear()
    field.send_keys(code + Keys.ENTER)
    return verdict(driver)


def today_count(driver) -> int:
    return int("".join(ch for ch in driver.find_element(By.ID, "today-count").text if ch.isdigit()))


def result_text(driver) -> str:
    return driver.find_element(By.ID, "result").text


def test_wrong_password_is_refused_clearly_and_the_right_one_opens_the_desk(desk, shoot):
    driver = desk()
    shoot(driver, "desk-signin")
    sign_in(driver, password="not-the-password")
    notice = visible(driver, "#signin-notice")
    assert notice.text == "Wrong login or password."
    assert driver.switch_to.active_element.get_attribute("id") == "password"  # ready to type it again
    shoot(driver, "desk-signin-wrong-password")
    sign_in(driver)
    signed_in(driver)
    assert driver.find_element(By.ID, "venue-name").text == "Mine Coworking Space"
    assert driver.find_element(By.ID, "result").get_attribute("aria-live") == "assertive"
    shoot(driver, "desk-ready")
    driver.refresh()  # the venue cookie keeps the desk signed in
    signed_in(driver)
    driver.find_element(By.ID, "sign-out").click()
    assert visible(driver, "#signin-notice").text == "You have signed out."
    driver.refresh()
    visible(driver, "#signin")
    assert not driver.find_element(By.ID, "desk").is_displayed()


def test_too_many_wrong_passwords_say_when_to_try_again(desk, stack, shoot):
    """Five wrong passwords for a login from this address: the desk says how long to wait and counts down
    (the login need not exist: unknown and existing logins are slowed alike)."""
    login = f"desk-{uuid.uuid4().hex[:8]}"
    for _ in range(5):
        status, _body = post_json(stack, "/venue/login", {"login": login, "password": "wrong-password-1"})
        assert status == 401
    driver = desk()
    sign_in(driver, login=login, password="wrong-password-2")
    notice = visible(driver, "#signin-notice")
    wait(driver, lambda d: "Try again in" in notice.text)
    assert re.fullmatch(r"Too many failed sign-ins\. Try again in \d+ s\.", notice.text), notice.text
    first = int(re.search(r"\d+", notice.text).group())
    assert 1 < first <= 60 and not driver.find_element(By.ID, "signin-submit").is_enabled()
    shoot(driver, "desk-signin-throttled")
    wait(driver, lambda d: int(re.search(r"\d+", notice.text).group()) <= first - 2, timeout=6,
         message="the wait does not count down")
    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    assert re.fullmatch(r"サインインの失敗が続いたため、\d+ 秒後にもう一度お試しください。", notice.text), notice.text


def test_typed_desk_code_is_ok_once_then_no_because_used(desk, stack, shoot):
    holder = sign_in_holder(stack.base_url, 2)
    code = holder.pass_for(COWORK_PERK)["desk_code"]  # six characters, as the holder's phone shows them
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}", code)
    driver = desk()
    sign_in(driver)
    signed_in(driver)
    before = today_count(driver)

    assert type_code(driver, code) == "ok"
    text = result_text(driver)
    assert "✓" in text and "OK" in text
    assert "Coworking space: day pass" in text and "No. 2" in text and "Basic" in text
    assert driver.switch_to.active_element.get_attribute("id") == "scan-next"
    wait(driver, lambda d: today_count(d) == before + 1, message="today's list did not count the redemption")
    rows = driver.find_elements(By.CSS_SELECTOR, "#today-list .today-row")
    assert "Coworking space: day pass" in rows[0].text and "No. 2" in rows[0].text
    shoot(driver, "desk-ok")

    driver.switch_to.active_element.send_keys(Keys.ENTER)  # "scan next" by keyboard
    wait(driver, lambda d: d.find_element(By.ID, "result").get_attribute("data-state") == "idle")
    assert type_code(driver, code) == "no"
    text = result_text(driver)
    assert "✕" in text and "NO" in text and "This pass has already been used" in text
    assert today_count(driver) == before + 1  # a refusal is not a redemption
    shoot(driver, "desk-no-used")


def test_text_that_is_no_pass_is_no_and_an_ended_session_asks_to_sign_in_again(desk, shoot):
    driver = desk()
    sign_in(driver)
    signed_in(driver)
    assert type_code(driver, "hello, not a pass") == "no"
    assert "This is not a pass: ask the holder to show the QR code again." in result_text(driver)
    shoot(driver, "desk-no-not-a-pass")
    driver.find_element(By.ID, "scan-next").click()
    driver.delete_all_cookies()  # the venue session is gone (expired, or signed out elsewhere)
    field = visible(driver, "#code")
    field.send_keys("rp1.anything" + Keys.ENTER)
    notice = visible(driver, "#signin-notice")
    assert notice.text == "Your sign-in has expired. Please sign in again."
    assert driver.find_element(By.ID, "login").get_attribute("value") == "cowork-desk"  # kept: type the password
    assert driver.switch_to.active_element.get_attribute("id") == "password"
    shoot(driver, "desk-signin-expired")


def test_camera_keeps_looking_while_it_films_no_code(desk, camera, shoot):
    camera.clear()  # an empty desk
    driver = desk()
    sign_in(driver)
    signed_in(driver)
    driver.find_element(By.ID, "camera-start").click()
    wait(driver, lambda d: d.execute_script(
        "const v = document.getElementById('preview'); return v.readyState >= 2 && v.videoWidth > 0"),
        message="the camera preview never played")
    assert visible(driver, "#camera-status").text == "Hold the QR code inside the frame."
    shoot(driver, "desk-camera-looking")
    assert driver.find_element(By.ID, "result").get_attribute("data-state") == "idle"
    driver.find_element(By.ID, "camera-stop").click()
    assert visible(driver, "#camera-start").text == "Scan with the camera"
    assert not driver.find_element(By.ID, "camera").is_displayed()
    assert driver.execute_script("return document.getElementById('preview').srcObject") is None  # released


def test_pass_filmed_by_the_camera_is_decoded_and_redeemed(desk, stack, camera, shoot):
    holder = sign_in_holder(stack.base_url, 1)
    driver = desk()
    sign_in(driver)
    signed_in(driver)
    before = today_count(driver)
    code = holder.pass_for(COWORK_PERK)["pass"]
    camera.show(code)  # the holder holds up the phone: the camera films the QR code
    driver.find_element(By.ID, "camera-start").click()
    assert verdict(driver) == "ok"
    text = result_text(driver)
    assert "No. 1" in text and "Premium" in text and "Coworking space: day pass" in text
    assert not driver.find_element(By.ID, "camera").is_displayed()  # the camera stops on a read
    wait(driver, lambda d: today_count(d) == before + 1)
    shoot(driver, "desk-camera-ok")

    # "Scan next" goes back to the camera, which still films the same (now used) pass: NO.
    driver.find_element(By.ID, "scan-next").click()
    assert verdict(driver) == "no"
    assert "already been used" in result_text(driver)


def test_refused_camera_says_to_type_the_code_and_how_to_allow_it(desk, shoot):
    driver = desk(camera_allowed=False)
    sign_in(driver)
    signed_in(driver)
    driver.find_element(By.ID, "camera-start").click()
    notice = visible(driver, "#camera-notice")
    assert "The camera is not allowed" in notice.text
    assert "type the code" in notice.text and "set Camera to Allow" in notice.text
    assert visible(driver, "#camera-start").text == "Try the camera again"
    shoot(driver, "desk-camera-refused")
    driver.find_element(By.ID, "type-instead").click()
    assert driver.switch_to.active_element.get_attribute("id") == "code"


def test_device_without_camera_says_so(desk, shoot):
    driver = desk(has_camera=False)
    sign_in(driver)
    signed_in(driver)
    driver.find_element(By.ID, "camera-start").click()
    notice = visible(driver, "#camera-notice")
    assert "No camera found" in notice.text and "Type the pass code" in notice.text
    shoot(driver, "desk-no-camera")


def test_desk_opened_over_plain_http_on_a_network_name_says_the_camera_needs_https(browser_factory, stack, shoot):
    # A phone opening the server by its LAN name over http: not a secure context, so no camera API at all.
    # The browser resolves the made-up name to the stack (no DNS); the page must say why before any tap.
    port = stack.base_url.rsplit(":", 1)[1]
    driver = browser_factory(extra_args=("--host-resolver-rules=MAP desk.venue.test 127.0.0.1",))
    open_page(driver, f"http://desk.venue.test:{port}/desk")
    assert driver.execute_script("return window.isSecureContext") is False
    sign_in(driver)
    signed_in(driver)
    notice = visible(driver, "#camera-notice")
    assert "The camera cannot be used on this connection" in notice.text and "https" in notice.text
    assert not driver.find_element(By.ID, "camera-start").is_displayed()  # retrying cannot help
    assert driver.switch_to.active_element.get_attribute("id") == "code"
    shoot(driver, "desk-camera-needs-https")
    code_field = driver.find_element(By.ID, "code")
    assert code_field.is_enabled()  # typing still works
    assert type_code(driver, "not-a-pass") == "no"


def test_language_switch_changes_every_text_including_the_reason(desk, stack, shoot):
    holder = sign_in_holder(stack.base_url, 3)
    cave_code = holder.pass_for(CAVE_PERK)["pass"]  # a cave pass at the coworking desk: refused, not used up
    driver = desk(lang="ja")
    assert driver.find_element(By.ID, "signin-title").text == "施設スタッフのサインイン"
    shoot(driver, "desk-signin-ja")
    sign_in(driver)
    signed_in(driver)
    assert driver.find_element(By.ID, "venue-name").text == "美祢市コワーキングスペース"
    assert type_code(driver, cave_code) == "no"
    assert "この特典はこの施設では利用できません。" in result_text(driver)
    assert "利用できません" in result_text(driver)
    shoot(driver, "desk-no-ja")

    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()
    wait(driver, lambda d: d.execute_script("return document.documentElement.lang") == "en")
    text = result_text(driver)
    assert "This perk cannot be redeemed at this venue." in text and "NO" in text
    assert driver.find_element(By.ID, "venue-name").text == "Mine Coworking Space"
    leftovers = japanese_in_english_mode(driver)
    assert not leftovers, leftovers
    shoot(driver, "desk-no-en-after-switch")

    driver.find_element(By.CSS_SELECTOR, "[data-lang='ja']").click()
    wait(driver, lambda d: d.execute_script("return document.documentElement.lang") == "ja")
    texts = [item["text"] for item in visible_texts(driver)]
    assert "本日の利用" in texts and "次を読み取る" in texts
    english_only = [text for text in texts if text.isascii() and any(c.isalpha() for c in text)
                    and text not in ("English", "ABC-DEF")]
    assert not english_only, english_only  # every sentence is Japanese again (names and codes aside)
    assert JAPANESE.search(result_text(driver))
