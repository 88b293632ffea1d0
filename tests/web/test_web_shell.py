"""The pages as served: headers (CSP, no stale cache), the language switch, placeholders, vendored files."""

import urllib.request

import pytest

from tests.web.webstack import JAPANESE, japanese_in_english_mode, open_page, visible, visible_texts
from selenium.webdriver.common.by import By


def headers_of(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, dict(response.headers)


@pytest.mark.parametrize("path", ["/", "/desk", "/console", "/console/invite"])
def test_pages_are_served_with_a_strict_csp_and_no_stale_cache(stack, path):
    status, headers = headers_of(stack.url(path))
    assert status == 200
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "connect-src 'self';" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["cache-control"] == "no-cache"


def test_static_files_and_vendored_libraries_are_served_from_the_backend(stack):
    for path in ("/static/css/app.css", "/static/js/holder.js", "/static/i18n/common.json",
                 "/static/vendor/chart.umd.min.js", "/static/vendor/zxing-browser.min.js",
                 "/static/vendor/zxing-library.min.js"):
        status, headers = headers_of(stack.url(path))
        assert status == 200, path
        assert headers["cache-control"] == "no-cache"


def test_web_config_names_the_chain_and_how_to_add_it(stack):
    import json

    with urllib.request.urlopen(stack.url("/web/config"), timeout=5) as response:
        config = json.load(response)
    assert config["chain_id"] == 31337
    assert config["add_chain"]["chainId"] == "0x7a69"
    assert config["add_chain"]["rpcUrls"] == [stack.rpc_url]


@pytest.mark.parametrize("path", ["/", "/desk", "/console", "/console/invite"])
def test_japanese_browser_gets_japanese_and_the_switch_changes_every_text(stack, browser_factory, shoot, path):
    driver = browser_factory(lang="ja-JP")
    open_page(driver, stack.url(path))
    assert driver.execute_script("return document.documentElement.lang") == "ja"
    assert any(JAPANESE.search(item["text"]) for item in visible_texts(driver) if item["tag"] == "H1")
    name = "shell" + (path.replace("/", "-") if path != "/" else "-holder")
    shoot(driver, f"{name}-ja")

    driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").click()
    assert driver.execute_script("return document.documentElement.lang") == "en"
    assert japanese_in_english_mode(driver) == []
    assert driver.find_element(By.CSS_SELECTOR, "[data-lang='en']").get_attribute("aria-pressed") == "true"
    shoot(driver, f"{name}-en")

    driver.refresh()  # the choice is kept
    visible(driver, "h1")
    assert driver.execute_script("return document.documentElement.lang") == "en"


def test_english_browser_gets_english(stack, browser):
    open_page(browser, stack.url("/"))
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert japanese_in_english_mode(browser) == []


def test_make_run_prints_where_to_open_the_pages(stack):
    line = next(line for line in stack.output if line.startswith("Open in a browser:"))
    assert f"{stack.base_url}/ " in line and f"{stack.base_url}/desk" in line and f"{stack.base_url}/console" in line
