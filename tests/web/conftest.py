"""Fixtures of the browser tests: `stack` (make run's stack, once per session), `browser` (a fresh
headless Chromium per test), `wallet_browser` (a factory: a browser with the test wallet injected) and
`shoot` (full-page screenshots at 375 and 1280 px into test-artifacts/screens/). See webstack.py."""

from __future__ import annotations

import pytest

from webstack import make_driver, inject_wallet, shoot as shoot_page, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """tools/run_local.py (what `make run` runs) on free ports with its own data directory; stopped
    with SIGTERM at the end. Its log is printed when a test fails to start it."""
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    code = running.stop()
    assert code == 0, f"run_local.py exited with {code} on SIGTERM\n{running.log_tail()}"


@pytest.fixture
def browser_factory():
    """Makes browsers (stopped after the test): browser_factory(lang="ja")."""
    drivers = []

    def make(lang: str = "en", **kwargs):
        driver = make_driver(lang=lang, **kwargs)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.quit()


@pytest.fixture
def browser(browser_factory):
    """A headless Chromium (English) without a wallet."""
    return browser_factory()


@pytest.fixture
def wallet_browser(browser_factory, stack):
    """wallet_browser(account, lang="en", start_chain_id=None, known_chains=None, reject_next=None): a browser
    whose pages have the test wallet (EIP-6963 + window.ethereum) for `account`, signing on the stack's anvil."""

    def make(account: str, lang: str = "en", **wallet_options):
        driver = browser_factory(lang=lang)
        inject_wallet(driver, stack.rpc_url, account, **wallet_options)
        return driver

    return make


@pytest.fixture
def shoot():
    """shoot(driver, name): screenshots of the current page at 375 px and 1280 px wide (full height)."""
    return shoot_page
