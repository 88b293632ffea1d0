"""Fixtures of the browser tests: `stack` (make run's stack, once per session), `browser` (a fresh
headless Chromium per test), `wallet_browser` (a factory: a browser with the test wallet injected) and
`shoot` (full-page screenshots at 375 and 1280 px into test-artifacts/screens/). See webstack.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.webstack import SCREENS_DIR, make_driver, shoot as shoot_page, start_stack, wallet_extension


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
def wallet_browser(browser_factory, stack, tmp_path):
    """wallet_browser(account, lang="en", start_chain_id=None, known_chains=None, reject_next=None): a browser
    with the test wallet extension (EIP-6963 + window.ethereum) for `account`, signing on the stack's anvil."""
    made = []

    def make(account: str, lang: str = "en", **wallet_options):
        extension = wallet_extension(tmp_path / f"wallet-{len(made)}", stack.rpc_url, account, **wallet_options)
        made.append(extension)
        return browser_factory(lang=lang, extension=extension)

    return make


@pytest.fixture
def shoot():
    """shoot(driver, name): screenshots of the current page at 375 px and 1280 px wide (full height)."""
    return shoot_page


# A browser test that fails is run once more before it counts as failed (pytest-rerunfailures). On a loaded
# 2-core CI machine a camera frame can be missed or a click can land during a redraw; a real fault fails
# both runs. Nothing is hidden: the first run's failure is listed at the end of the session (and in
# test-artifacts/reruns.txt), and is attached to the report when the second run fails too.
WEB_DIR = Path(__file__).resolve().parent
RERUNS: dict[str, str] = {}  # node id → the first run's failure


def pytest_collection_modifyitems(items):
    for item in items:  # the hook sees the whole session's items: only the browser tests are rerun
        if WEB_DIR in item.path.parents:
            item.add_marker(pytest.mark.flaky(reruns=1))


def pytest_runtest_logreport(report):
    if report.outcome == "rerun":
        RERUNS[report.nodeid] = f"[{report.when}] {report.longreprtext}"
    elif report.failed and report.nodeid in RERUNS:
        report.sections.append(("first run", RERUNS[report.nodeid]))


def pytest_terminal_summary(terminalreporter):
    record = SCREENS_DIR.parent / "reruns.txt"
    if not RERUNS:
        record.unlink(missing_ok=True)
        return
    terminalreporter.section("browser tests run twice (first run failed)")
    for nodeid, first in RERUNS.items():
        last = [line for line in first.splitlines() if line.startswith("E ")][:3] or first.splitlines()[-1:]
        terminalreporter.line(f"{nodeid}\n    " + "\n    ".join(last))
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text("\n\n".join(f"== {nodeid}\n{first}" for nodeid, first in RERUNS.items()))
