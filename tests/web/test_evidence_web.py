"""Activity evidence in the browser, in English and in Japanese, on `make run`'s demo: a holder of a 美祢市 card
sends a photo (a JPEG with GPS EXIF) and a note from the holder page; staff see both in the console's
evidence tab and approve; the holder sees it approved and counted in the residency progress. In English,
staff also turn a second one down with a reason, which the holder then reads."""

from __future__ import annotations

import io
import json
import urllib.request

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from PIL import ExifTags, Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.web.test_residency_web import DEMO_STAFF, text_of
from tests.web.holder_steps import section
from tests.web.webstack import get_json, japanese_in_english_mode, open_page, visible, wait

TEXTS = {
    "en": {"note": "Picked up three bags of litter by the cave entrance", "sent": "Waiting for review",
           "approved": "Approved (counted once)", "counted": "1 of 3 activities this year",
           "console_done": "1 of 3 activities this year", "tab": "Activity evidence"},
    "ja": {"note": "洞窟の入口でゴミ袋3つ分を拾いました", "sent": "確認待ち", "approved": "承認済み（1回として数えました）",
           "counted": "今年の活動 3 回中 1 回", "console_done": "今年の活動 3 回中 1 回", "tab": "参加の記録"},
}


def call(stack, path: str, body: dict | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(stack.url(path), data, headers), timeout=30) as response:
        return json.load(response)


def holder_with_a_mine_card(stack) -> str:
    """A fresh wallet, signed in, identity-verified (development provider) and registered with 美祢市 (the
    backend issues the card); returns its session token once the card is indexed."""
    account = Account.create()
    message = call(stack, "/auth/nonce", {"address": account.address})["message"]
    signature = account.sign_message(encode_defunct(text=message)).signature.hex()
    token = call(stack, "/auth/siwe", {"message": message, "signature": "0x" + signature.removeprefix("0x")})["token"]
    nonce = call(stack, "/me/identity/nonce", {"purpose": "identity"}, token)["nonce"]
    assertion = call(stack, "/dev/identity/assertion", {"nonce": nonce, "subject": f"evidence-{account.address}",
                                                       "birthdate": "1988-05-05"})["assertion"]
    call(stack, "/me/identity", {"assertion": assertion}, token)
    mine = next(m for m in get_json(stack.url("/residency/municipalities")) if m["name_en"] == "Mine City")
    issued = call(stack, "/me/residency/register", {"municipality_id": mine["id"], "prefecture_opt_out": True}, token)
    assert issued[0]["outcome"] == "issued", issued
    return token


def photo_with_gps(path) -> None:
    image = Image.new("RGB", (1200, 900), (70, 140, 90))
    image.paste((230, 230, 210), (300, 200, 900, 700))
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (34.0, 13.0, 45.0),
                                  ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (131.0, 18.0, 12.0)}
    image.save(path, "JPEG", exif=exif)


def holder_page(driver, stack, token: str) -> None:
    open_page(driver, stack.url("/"))
    driver.add_cookie({"name": "resident_session", "value": token, "path": "/"})
    open_page(driver, stack.url("/"))
    section(driver, "activities")
    visible(driver, "[data-evidence-ready]")


def choose_photo(driver, photo, note: str) -> None:
    visible(driver, "#evidence-note").send_keys(note)
    driver.find_element(By.ID, "evidence-photo").send_keys(str(photo))  # the page's own button opens this input
    wait(driver, lambda d: text_of(d, "#evidence-chosen") == photo.name, message="the chosen file is not named")
    wait(driver, lambda d: photo_shown(d, "#evidence-preview"), message="the chosen photo is not previewed")


def send_evidence(driver, photo, note: str) -> None:
    choose_photo(driver, photo, note)
    visible(driver, "#evidence-send").click()


def staff_console(driver, stack, tab: str) -> None:
    open_page(driver, stack.url("/console"))
    visible(driver, "#signin-login").send_keys(DEMO_STAFF["login"])
    driver.find_element(By.ID, "signin-password").send_keys(DEMO_STAFF["password"])
    driver.find_element(By.ID, "signin-submit").click()
    button = visible(driver, "#tab-evidence")
    assert button.text == tab
    button.click()
    visible(driver, "#ev-filter")


def item_of(driver, note: str) -> str:
    """The `data-evidence` id of the console's item with this note (the stack is shared by the tests)."""
    return wait(driver, lambda d: next((e.get_attribute("data-evidence") for e in
                                        d.find_elements(By.CSS_SELECTOR, "#ev-items [data-evidence]") if note in e.text),
                                       None), timeout=20, message=f"no evidence with {note!r} in the console")


def photo_shown(driver, css: str) -> bool:
    return driver.execute_script("const i = document.querySelector(arguments[0]); return !!i && i.complete && "
                                 "i.naturalWidth > 0", css)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_holder_sends_a_photo_staff_approve_it_and_it_counts(stack, browser_factory, shoot, tmp_path, lang):
    said = TEXTS[lang]
    token = holder_with_a_mine_card(stack)
    photo = tmp_path / "IMG_2041.jpg"
    photo_with_gps(photo)

    holder = browser_factory(lang=lang)
    holder_page(holder, stack, token)
    wait(holder, lambda d: text_of(d, "[data-progress]"), timeout=20, message="no Mine card in the residency section")
    assert "EXIF" in text_of(holder, "#evidence-privacy")
    choose_photo(holder, photo, said["note"])
    shoot(holder, f"evidence-chosen-{lang}")
    visible(holder, "#evidence-send").click()
    wait(holder, lambda d: said["sent"] in text_of(d, "#evidence-list [data-status=pending]"), timeout=20,
         message="the evidence is not listed as waiting")
    wait(holder, lambda d: photo_shown(d, "#evidence-list [data-status=pending] img"), message="its photo is not shown")
    if lang == "en":
        assert japanese_in_english_mode(holder) == []
    shoot(holder, f"evidence-sent-{lang}")

    staff = browser_factory(lang=lang)
    staff_console(staff, stack, said["tab"])
    item = item_of(staff, said["note"])
    wait(staff, lambda d: photo_shown(d, f'[data-evidence="{item}"] img'), message="staff do not see the photo")
    if lang == "en":
        assert japanese_in_english_mode(staff) == []
    shoot(staff, f"evidence-console-{lang}")
    visible(staff, f'[data-evidence="{item}"] [data-action="approve"]').click()
    wait(staff, lambda d: said["console_done"] in text_of(d, "#ev-message"), timeout=20,
         message="the approval did not say the card's count")
    assert not staff.find_elements(By.CSS_SELECTOR, f'[data-evidence="{item}"]')  # no longer waiting
    shoot(staff, f"evidence-approved-{lang}")

    open_page(holder, stack.url("/"))
    section(holder, "activities")
    visible(holder, "[data-evidence-ready]")
    wait(holder, lambda d: said["approved"] in text_of(d, "#evidence-list [data-status=approved]"), timeout=20,
         message="the holder does not see it approved")
    wait(holder, lambda d: said["counted"] in text_of(d, "[data-progress]"), message="the residency count did not move")
    shoot(holder, f"evidence-counted-{lang}")

    if lang != "en":
        return
    # A second one, for another activity, is turned down; the reason needs writing first; the holder reads it.
    Select(visible(holder, "#evidence-activity")).select_by_index(1)
    send_evidence(holder, photo, "Helped in the field")
    wait(holder, lambda d: d.find_elements(By.CSS_SELECTOR, "#evidence-list [data-status=pending]"), timeout=20,
         message="the second evidence is not listed")
    open_page(staff, stack.url("/console"))  # still signed in
    visible(staff, "#tab-evidence").click()
    second = item_of(staff, "Helped in the field")
    visible(staff, f'[data-evidence="{second}"] [data-action="reject"]').click()
    wait(staff, lambda d: "Write why" in text_of(d, "#ev-message"), message="an empty reason was not asked for")
    visible(staff, f"#ev-reason-{second}").send_keys("The photo does not show the activity")
    visible(staff, f'[data-evidence="{second}"] [data-action="reject"]').click()
    wait(staff, lambda d: "The holder sees the reason" in text_of(d, "#ev-message"), message="rejection not confirmed")
    open_page(holder, stack.url("/"))
    section(holder, "activities")
    visible(holder, "[data-evidence-ready]")
    wait(holder, lambda d: "Reason: The photo does not show the activity" in
         text_of(d, "#evidence-list [data-status=rejected]"), timeout=20, message="the holder does not see the reason")
    assert said["counted"] in text_of(holder, "[data-progress]")  # a rejected one does not count
    shoot(holder, "evidence-rejected-en")
