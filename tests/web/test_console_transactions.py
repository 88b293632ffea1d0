"""The console's Transactions tab in headless Chromium against `make run`'s stack, in Japanese and English at
375 and 1280 px: a transaction that failed on chain (a second card to a one-card wallet) with its reason in
plain words, one still waiting to be sent, the issuing key's low-balance warning with what to do, and the
pending one turning confirmed without a reload.

The stack runs without the outbox loop (RESIDENT_OUTBOX_ENABLED is off for the other tests' sake), so this
test puts the transactions into the stack's outbox with the outbox's own API (Outbox.enqueue) and steps a
Manager itself, with the stack's issuer key, on the stack's database and chain: the same rows and the same
chain transactions the backend's loop would make."""

from __future__ import annotations

import json
import time
import uuid

from eth_account import Account
from selenium.webdriver.common.by import By
from sqlalchemy import select

from backend.chain.client import Chain
from backend.chain.issuer import Issuer
from backend.chain.outbox import Manager, Outbox
from backend.db import make_engine, session_factory
from backend.db.models_chain import Collection
from backend.settings import ANVIL_DEV_KEY, Settings
from tests.web.test_console import call, no_sideways_scroll, open_tab, sign_in, staff_token
from tests.web.webstack import ROOT, japanese_in_english_mode, visible, wait

LOW = 10**16  # 0.01 ETH: under the 0.05 ETH floor (RESIDENT_OUTBOX_LOW_BALANCE_WEI), still enough to send


class StackOutbox:
    """The stack's outbox, driven from the test: enqueue through Outbox, send through one Manager step."""

    def __init__(self, stack, mid: int) -> None:
        settings = Settings(_env_file=None, data_dir=stack.data_dir, rpc_url=stack.rpc_url, chain_id=31337)
        self.engine = make_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.chain = Chain(stack.rpc_url)
        self.issuer = Issuer(self.chain, ANVIL_DEV_KEY, 31337)
        self.outbox = Outbox(self.sessions, self.chain, 31337)
        self.manager = Manager(self.sessions, self.chain, [self.issuer], holder=f"browser-test-{uuid.uuid4().hex[:6]}",
                               stuck_after=3600)
        self.mid = mid
        with self.sessions() as session:
            address = session.scalar(select(Collection.address).where(Collection.municipality_id == mid))
        abi = json.loads((ROOT / "build" / "contracts" / "ResidentCard.json").read_text())["abi"]
        self.card = self.chain.web3.eth.contract(address=address, abi=abi)

    def issue(self, wallet: str):
        return self.outbox.enqueue(f"browser-test:{uuid.uuid4().hex}", sender=self.issuer.address,
                                   to=self.card.address, data=self.card.encode_abi("issue", args=[wallet, 1, 0]),
                                   purpose="issue", abi=self.card.abi, municipality_id=self.mid)

    def send_until_done(self, *rows, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while True:
            self.manager.step()
            states = [self.outbox.get(row.id).state for row in rows]
            if all(state in ("confirmed", "failed", "replaced") for state in states):
                return states
            assert time.monotonic() < deadline, states
            time.sleep(0.2)


def test_the_tab_shows_a_failed_and_a_pending_transaction_and_the_low_balance_warning(stack, browser_factory,
                                                                                       shoot, request):
    token = staff_token(stack)
    mid = call(stack, "GET", "/staff/municipalities", token=token)[1][0]["id"]
    box = StackOutbox(stack, mid)
    request.addfinalizer(box.engine.dispose)
    wallet = Account.create().address
    # Both pass the simulation (neither is mined yet); the card allows one per wallet, so the second fails.
    first, second = box.issue(wallet), box.issue(wallet)
    assert box.send_until_done(first, second) == ["confirmed", "failed"]
    assert box.outbox.get(second.id).error.startswith("ResidentCard")
    waiting = box.issue(Account.create().address)  # stays queued until the manager's next step

    issuer = box.issuer.address
    before = int(stack.rpc("eth_getBalance", [issuer, "latest"]), 16)
    stack.rpc("anvil_setBalance", [issuer, hex(LOW)])
    request.addfinalizer(lambda: stack.rpc("anvil_setBalance", [issuer, hex(before)]))

    for lang in ("ja", "en"):
        driver = browser_factory(lang=lang)
        sign_in(driver, stack)
        visible(driver, "#kpi-cards .kpi")
        open_tab(driver, "transactions")
        failed = visible(driver, f"li.tx[data-id='{second.id}']")
        assert failed.get_attribute("data-status") == "failed"
        problem = failed.find_element(By.CSS_SELECTOR, "[data-testid='tx-problem']").text
        assert problem.startswith("このウォレットは、このコレクションの住民カードを上限まで保有しています。" if lang == "ja"
                                  else "This wallet already holds as many cards of this collection as it may")
        pending = driver.find_element(By.CSS_SELECTOR, f"li.tx[data-id='{waiting.id}']")
        assert pending.get_attribute("data-status") == "pending"
        assert pending.find_element(By.XPATH, "ancestor::section[@data-group]").get_attribute("data-group") == "pending"
        assert driver.find_element(By.CSS_SELECTOR, f"li.tx[data-id='{first.id}']").get_attribute(
            "data-status") == "confirmed"
        warning = visible(driver, "[data-testid='low-issuer']").text
        assert issuer in warning and "ETH" in warning
        assert ("カードの発行を続けるには" if lang == "ja" else "to keep issuing cards") in warning
        assert driver.find_element(By.CSS_SELECTOR, "[data-testid='balance-issuer']").text == "0.01 ETH"
        assert visible(driver, "[data-testid='no-explorer']").text.startswith(
            "このチェーンには" if lang == "ja" else "No block explorer on this chain")
        assert not driver.find_elements(By.CSS_SELECTOR, ".transactions-tab a[href*='/tx/']")  # anvil: no links
        if lang == "en":
            assert japanese_in_english_mode(driver) == []
        shoot(driver, f"console-transactions-{lang}")
        no_sideways_scroll(driver)

    # The tab asks again every few seconds: the waiting transaction is sent and shows confirmed, no reload.
    assert box.send_until_done(waiting) == ["confirmed"]
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f"li.tx[data-id='{waiting.id}']").get_attribute(
        "data-status") == "confirmed", timeout=20, message="the confirmed transaction did not show without a reload")
    stack.rpc("anvil_setBalance", [issuer, hex(before)])
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='low-issuer']"), timeout=20)
    shoot(driver, "console-transactions-en-after")
