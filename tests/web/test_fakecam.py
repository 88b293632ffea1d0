"""The fake camera works: headless Chromium films our Y4M file and ZXing decodes the QR code in it.

A tiny page (no app, no stack) opens the camera with getUserMedia and runs the vendored
ZXing BrowserQRCodeReader on it, exactly as the desk page does; the decoded text must be the
text we drew. A refused camera permission (by CDP, or by a flag) must reach the page as
NotAllowedError, which the desk page turns into a message.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from tests.web.fakecam import FakeCamera, qr_frame, set_camera_permission, y4m_bytes

ROOT = Path(__file__).resolve().parents[2]
ZXING_LIBRARY = ROOT / "node_modules/@zxing/library/umd/index.min.js"
ZXING_BROWSER = ROOT / "node_modules/@zxing/browser/umd/zxing-browser.min.js"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

PAGE = """<!doctype html>
<meta charset="utf-8"><title>fake camera check</title>
<video id="preview" muted playsinline width="320" height="240"></video>
<pre id="out">waiting</pre>
<script src="/zxing-library.js"></script>
<script src="/zxing-browser.js"></script>
<script src="/scan.js"></script>
"""

# Like the desk page: ask for the back camera, decode from the live stream, report the first result.
SCAN_JS = """
const out = document.getElementById("out");
window.scanResult = null;
window.scanError = null;
const reader = new ZXingBrowser.BrowserQRCodeReader();
reader.decodeFromConstraints({video: {facingMode: {ideal: "environment"}}}, document.getElementById("preview"),
  (result, error, controls) => {
    if (result) {
      window.scanResult = result.getText();
      out.textContent = window.scanResult;
      controls.stop();
    }
  }).catch((e) => { window.scanError = e.name + ": " + e.message; out.textContent = window.scanError; });
"""

TOKEN = "rp1.AQAAAAAAAHppXvtP3Mp3tSWhEMmwL1S2H2n_0ZFFKkpUGKxvQ0Jc9NoQCTc_dAAAAAdnkH3nexpLqyfJ4ZhWOqT3Ql4vAQHYtvUf" \
        "Vdv6V7v0cMFGaK0hXZdUR0uEGeDMM-rKQHGb1DVw9w"  # the shape of a real pass: ~140 characters


@pytest.fixture(scope="module")
def check_page(tmp_path_factory):
    """An HTTP server on 127.0.0.1 (a secure context for getUserMedia) with the page and ZXing."""
    for path in (ZXING_LIBRARY, ZXING_BROWSER):
        assert path.exists(), f"{path} is missing: run `make setup` (npm ci installs @zxing)"
    root = tmp_path_factory.mktemp("camera-page")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "scan.js").write_text(SCAN_JS, encoding="utf-8")
    (root / "zxing-library.js").write_bytes(ZXING_LIBRARY.read_bytes())
    (root / "zxing-browser.js").write_bytes(ZXING_BROWSER.read_bytes())
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output for failures
        pass


def _chromium(camera_args: list[str]) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--window-size=800,600", *camera_args):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def _wait_for(driver, script: str, timeout: float = 20):
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: d.execute_script(script))


def test_y4m_stream_has_header_and_full_420_frames():
    frame = qr_frame("hello", 160, 120)
    data = y4m_bytes([frame, frame, frame])
    header, _, rest = data.partition(b"\n")
    assert header == b"YUV4MPEG2 W160 H120 F10:1 Ip A1:1 C420jpeg"
    frame_bytes = len(b"FRAME\n") + 160 * 120 + 2 * (80 * 60)
    assert len(rest) == 3 * frame_bytes
    assert rest.startswith(b"FRAME\n") and rest[frame_bytes:].startswith(b"FRAME\n")
    luma = rest[6:6 + 160 * 120]
    assert min(luma) < 30 and max(luma) > 225  # black modules on a white quiet zone


def test_qr_frame_refuses_what_a_camera_cannot_film():
    with pytest.raises(ValueError, match="even width"):
        qr_frame("x", 641, 480)
    with pytest.raises(ValueError, match="empty"):
        qr_frame("", 640, 480)
    with pytest.raises(ValueError, match="does not fit"):
        qr_frame("x" * 500, 60, 40)


def test_zxing_decodes_the_token_from_the_fake_camera(check_page, tmp_path):
    camera = FakeCamera(tmp_path / "camera.y4m")
    camera.show(TOKEN)
    driver = _chromium(camera.chromium_args(prompts="accept"))
    try:
        driver.get(check_page)
        decoded = _wait_for(driver, "return window.scanResult || (window.scanError && 'ERROR ' + window.scanError)")
        assert decoded == TOKEN
    finally:
        driver.quit()


def test_one_browser_films_new_codes_and_is_granted_or_refused_by_cdp(check_page, tmp_path):
    camera = FakeCamera(tmp_path / "camera.y4m")
    camera.show("first code")
    driver = _chromium(camera.chromium_args())
    outcome = "return window.scanResult || (window.scanError && 'ERROR ' + window.scanError)"
    try:
        driver.get(check_page)
        assert _wait_for(driver, outcome) == "ERROR NotAllowedError: Permission denied"  # headless: refused by default
        set_camera_permission(driver, check_page, allowed=True)
        driver.refresh()
        assert _wait_for(driver, outcome) == "first code"
        camera.show("second code")
        driver.refresh()  # a new capture opens the file again
        assert _wait_for(driver, outcome) == "second code"
        set_camera_permission(driver, check_page, allowed=False)
        driver.refresh()
        assert _wait_for(driver, outcome).startswith("ERROR NotAllowedError")
    finally:
        driver.quit()


def test_deny_flag_refuses_the_camera(check_page, tmp_path):
    camera = FakeCamera(tmp_path / "camera.y4m")
    camera.show(TOKEN)
    driver = _chromium(camera.chromium_args(prompts="deny"))
    try:
        driver.get(check_page)
        error = _wait_for(driver, "return window.scanError || (window.scanResult && 'DECODED')")
        assert error.startswith("NotAllowedError"), error
    finally:
        driver.quit()
