"""The browser test harness: `make run`'s stack in a subprocess, headless Debian Chromium driven by
Selenium, an EIP-1193 test wallet injected into the page, and full-page screenshots at 375 and 1280 px.

The test wallet is a browser extension, as real wallets are, generated per browser with its account and
options baked in: a content script in the page's world provides the EIP-1193 provider (announced through
EIP-6963 and set as window.ethereum) and answers account and chain questions itself; everything else
goes through a relay script to the extension's service worker, which calls the chain's RPC node (anvil:
its development accounts are unlocked, so anvil signs with the test keys, real secp256k1 signatures).
The page's strict Content-Security-Policy (`connect-src 'self'`) binds page scripts only, so the wallet
works under it exactly as MetaMask does. (A script injected with CDP would run under the page's CSP and
could not reach the RPC node.)
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
SCREENS_DIR = ROOT / "test-artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHAIN_ID = 31337

# scripts/demo.py gives cards to anvil's development accounts 1-3 (1: premium, expires in a year; 2 and 3:
# basic, no expiry); account 0 deploys; 4 and above hold none. `Stack.accounts` lists them from anvil.
DEMO_HOLDER_INDEXES = (1, 2, 3)
NO_CARD_INDEX = 4
# Venue passes live 30 s here, not 90 (renewed 10 s before they run out, not 15): a test watches one renew
# and then expire without waiting minutes. Long enough for a desk test to scan a pass.
PASS_LIFETIME, PASS_RENEW_MARGIN = 30, 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str, timeout: float = 5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


@dataclass
class Stack:
    """A running `tools/run_local.py`: chain, demo deployment and seed, backend."""

    process: subprocess.Popen
    data_dir: Path
    base_url: str
    rpc_url: str
    log_path: Path
    output: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # anvil's development accounts (EIP-55)

    @property
    def demo_holders(self) -> list[str]:
        return [self.accounts[i] for i in DEMO_HOLDER_INDEXES]

    @property
    def no_card_account(self) -> str:
        return self.accounts[NO_CARD_INDEX]

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def rpc(self, method: str, params: list | None = None):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
        request = urllib.request.Request(self.rpc_url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def log_tail(self, lines: int = 60) -> str:
        parts = ["--- run_local output ---", *self.output[-lines:]]
        backend_log = self.data_dir / "backend.log"
        if backend_log.exists():
            parts += ["--- backend.log ---", *backend_log.read_text(errors="replace").splitlines()[-lines:]]
        return "\n".join(parts)

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # run_local.py stops backend and chain, saving state
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_stack(data_dir: Path, timeout: float = 240, host: str = "127.0.0.1", api_port: int | None = None,
                env: dict | None = None) -> Stack:
    """Starts tools/run_local.py on free ports with its own data directory and waits until the backend
    answers /health and the demo cards are indexed. `host` names the public URL's host: "localhost" for
    WebAuthn, whose RP id cannot be an IP address (the backend listens on 127.0.0.1 either way). `api_port`
    (default: a free one) and more settings in `env`, for a test that must know its URL beforehand."""
    rpc_port, api_port = free_port(), api_port or free_port()
    env = {**os.environ, **(env or {}), "RESIDENT_DATA_DIR": str(data_dir), "RESIDENT_RPC_PORT": str(rpc_port),
           "RESIDENT_API_PORT": str(api_port), "PYTHONUNBUFFERED": "1",
           "RESIDENT_PASS_LIFETIME": str(PASS_LIFETIME), "RESIDENT_PASS_RENEW_MARGIN": str(PASS_RENEW_MARGIN),
           "RESIDENT_PUBLIC_URL": f"http://{host}:{api_port}"}
    # Brownie finds the solc wrapper here (`make` exports it; a bare pytest run may not have).
    env.setdefault("SOLCX_BINARY_PATH", str(ROOT / ".venv" / "solcx"))
    log_path = data_dir / "run_local.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")
    process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "run_local.py")], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, text=True)
    stack = Stack(process, data_dir, f"http://{host}:{api_port}", f"http://127.0.0.1:{rpc_port}", log_path)
    deadline = time.monotonic() + timeout
    try:
        while True:
            stack.output = log_path.read_text(errors="replace").splitlines()
            if any(line.startswith("Running.") for line in stack.output):
                break
            if process.poll() is not None:
                raise RuntimeError(f"run_local.py exited with {process.returncode}\n{stack.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"run_local.py was not ready within {timeout:.0f} s\n{stack.log_tail()}")
            time.sleep(0.3)
        from eth_utils import to_checksum_address

        stack.accounts = [to_checksum_address(a) for a in stack.rpc("eth_accounts")]
        while True:  # the indexer runs in the background: wait until every demo holder's card is in
            if all(get_json(stack.url(f"/holders/{holder}/cards")) for holder in stack.demo_holders):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"demo cards were not indexed within {timeout:.0f} s\n{stack.log_tail()}")
            time.sleep(0.3)
    except BaseException:
        stack.stop()
        raise
    return stack


# --- the browser ------------------------------------------------------------------------------------------
def make_driver(lang: str = "en", width: int = 1280, height: int = 900, extra_args=(),
                extension: Path | None = None) -> webdriver.Chrome:
    """Headless Debian Chromium through Debian's chromedriver (Selenium Manager never downloads anything).
    extra_args: more Chromium flags (e.g. a fake camera); extension: the test wallet (see wallet_extension)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-dev-shm-usage",
                 "--no-first-run", "--hide-scrollbars", f"--lang={lang}", f"--window-size={width},{height}", *extra_args):
        options.add_argument(flag)
    if extension is None:
        options.add_argument("--disable-extensions")
    else:
        options.add_argument(f"--load-extension={extension}")
        options.add_argument("--disable-features=DisableLoadExtensionCommandLineSwitch")
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


# The page side of the test wallet (a content script in the page's world): an EIP-1193 provider, announced
# by EIP-6963 and set as window.ethereum. Requests it does not answer itself go to the relay as DOM events
# (strings cross worlds).
PROVIDER_JS = r"""
(() => {
  const config = %(config)s;
  const listeners = {};
  let chainId = config.chainId;
  let nextId = 1;
  const pending = new Map();
  const emit = (event, value) => (listeners[event] || []).slice().forEach((fn) => { try { fn(value); } catch (e) { console.error(e); } });
  const rpcError = (code, message) => Object.assign(new Error(message), { code });
  window.addEventListener("testwallet:response", (event) => {
    const answer = JSON.parse(event.detail);
    const done = pending.get(answer.id);
    if (!done) return;
    pending.delete(answer.id);
    if (answer.error) done.reject(rpcError(answer.error.code, answer.error.message));
    else done.resolve(answer.result);
  });
  const forward = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    window.dispatchEvent(new CustomEvent("testwallet:request", { detail: JSON.stringify({ id, method, params: params || [] }) }));
  });
  const state = window.__testWallet = { requests: [], rejectNext: config.rejectNext || [], chainId: () => chainId };
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      state.requests.push(method);
      const hex = "0x" + chainId.toString(16);
      const rejectAt = state.rejectNext.indexOf(method);
      if (rejectAt >= 0) {
        state.rejectNext.splice(rejectAt, 1);
        throw rpcError(4001, "User rejected the request.");
      }
      switch (method) {
        case "eth_chainId": return hex;
        case "net_version": return String(chainId);
        case "eth_accounts": return [config.account];
        case "eth_requestAccounts": return [config.account];
        case "wallet_switchEthereumChain": {
          const wanted = parseInt(params[0].chainId, 16);
          if (!config.knownChains.includes(wanted)) throw rpcError(4902, "Unrecognized chain ID.");
          if (wanted !== chainId) { chainId = wanted; emit("chainChanged", "0x" + wanted.toString(16)); }
          return null;
        }
        case "wallet_addEthereumChain": {
          const wanted = parseInt(params[0].chainId, 16);
          if (!config.knownChains.includes(wanted)) config.knownChains.push(wanted);
          return null;
        }
        case "personal_sign": case "eth_signTypedData_v4": case "eth_sendTransaction": case "eth_sign": {
          const from = method === "personal_sign" ? params[1] : params[0] && (params[0].from || params[0]);
          const who = typeof from === "string" ? from : config.account;
          if (who.toLowerCase() !== config.account.toLowerCase()) throw rpcError(4100, "Unknown account.");
          if (chainId !== config.rpcChainId && method === "eth_sendTransaction") throw rpcError(-32000, "wrong chain");
          return forward(method, params);
        }
        default: return forward(method, params);
      }
    },
    on(event, fn) { (listeners[event] = listeners[event] || []).push(fn); return provider; },
    removeListener(event, fn) { listeners[event] = (listeners[event] || []).filter((f) => f !== fn); return provider; },
  };
  state.provider = provider;
  state.emit = emit;
  window.ethereum = provider;
  const info = Object.freeze({ uuid: "5b4c2ad6-1b6e-4a43-9b51-7d3f2e8c0a11", name: "Test Wallet", rdns: "jp.resident.testwallet",
    icon: "data:image/svg+xml;base64," + btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#3b5bdb"/><path d="M8 11h16v10H8z" fill="#fff"/></svg>') });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""

# The relay (the extension's isolated content script) and the service worker that calls the RPC node.
RELAY_JS = r"""
window.addEventListener("testwallet:request", async (event) => {
  const request = JSON.parse(event.detail);
  let answer;
  try {
    answer = await chrome.runtime.sendMessage(request);
  } catch (error) {
    answer = { id: request.id, error: { code: -32603, message: String(error) } };
  }
  window.dispatchEvent(new CustomEvent("testwallet:response", { detail: JSON.stringify(answer) }));
});
"""
BACKGROUND_JS = r"""
const rpcUrl = %(rpc)s;
chrome.runtime.onMessage.addListener((request, sender, reply) => {
  fetch(rpcUrl, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: request.id, method: request.method, params: request.params }) })
    .then((response) => response.json())
    .then((body) => reply({ id: request.id, result: body.result, error: body.error }))
    .catch((error) => reply({ id: request.id, error: { code: -32603, message: String(error) } }));
  return true; // the reply comes asynchronously
});
"""


def wallet_extension(directory: Path, rpc_url: str, account: str, *, chain_id: int = CHAIN_ID,
                     start_chain_id: int | None = None, known_chains: list[int] | None = None,
                     reject_next: list[str] | None = None) -> Path:
    """Writes the test wallet extension for `account` into `directory`; returns it (for make_driver).

    start_chain_id: the chain it starts on (another than `chain_id` tests "wrong network"; it switches when
    asked). known_chains: the chains it can switch to without wallet_addEthereumChain (default: the stack's
    chain and mainnet). reject_next: methods whose next call the "user" refuses with EIP-1193 error 4001
    (e.g. ["personal_sign"]).
    """
    config = {"account": account, "chainId": start_chain_id or chain_id, "rpcChainId": chain_id,
              "knownChains": known_chains if known_chains is not None else [chain_id, 1],
              "rejectNext": reject_next or []}
    directory.mkdir(parents=True, exist_ok=True)
    pages = ["http://127.0.0.1/*", "http://localhost/*"]  # localhost: the passkey stacks (WebAuthn's RP id)
    manifest = {
        "manifest_version": 3, "name": "Resident test wallet", "version": "1.0",
        "host_permissions": ["http://127.0.0.1/*"],
        "background": {"service_worker": "background.js"},
        "content_scripts": [
            {"matches": pages, "js": ["provider.js"], "run_at": "document_start", "world": "MAIN"},
            {"matches": pages, "js": ["relay.js"], "run_at": "document_start"},
        ],
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))
    (directory / "provider.js").write_text(PROVIDER_JS % {"config": json.dumps(config)})
    (directory / "relay.js").write_text(RELAY_JS)
    (directory / "background.js").write_text(BACKGROUND_JS % {"rpc": json.dumps(rpc_url)})
    return directory


# --- helpers for tests ------------------------------------------------------------------------------------
# The pages redraw a section by replacing its elements, so an element found a moment ago can be gone: a
# condition that meets a stale (or not yet drawn) element is simply asked again.
REDRAWN = (NoSuchElementException, StaleElementReferenceException)


def wait(driver, condition, timeout: float = 15, message: str = ""):
    """WebDriverWait(...).until(condition) with the browser's console in the failure message."""
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=REDRAWN).until(condition)
    except TimeoutException as exc:
        raise TimeoutException(f"{message or condition}\nbrowser console:\n{console_text(driver)}") from exc


def console_text(driver) -> str:
    try:
        return "\n".join(f"{entry['level']}: {entry['message']}" for entry in driver.get_log("browser"))
    except Exception:  # noqa: BLE001 - diagnostics only
        return "(no console log)"


def visible(driver, css: str, timeout: float = 15):
    """The first element matching `css` once it is displayed."""
    def found(d):
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if element.is_displayed():
                return element
        return False
    return wait(driver, found, timeout, f"no visible {css!r}")


def tap(driver, element):
    """Clicks `element` as a phone user does: scrolled to the middle of the screen first, so the fixed section
    bar at the bottom is not what receives the tap (chromedriver only scrolls elements fully outside the view)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})", element)
    element.click()
    return element


def act(driver, action, timeout: float = 15, message: str = ""):
    """Runs action(driver) (find an element and use it) until it gets through without meeting a redraw."""
    def attempt(d):
        result = action(d)
        return True if result is None else result
    return wait(driver, attempt, timeout, message or f"could not {getattr(action, '__name__', 'act')}")


def open_page(driver, url: str):
    """Opens a page and waits until its script has finished starting (body[data-ready])."""
    driver.get(url)
    wait(driver, lambda d: d.execute_script("return document.body && document.body.dataset.ready === 'true'"),
         message=f"{url} did not get ready")


# Text nodes a person sees: inside displayed elements, not in <script>/<style>, plus visible attributes.
VISIBLE_TEXTS_JS = r"""
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const shown = (el) => { for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e);
  if (s.display === "none" || s.visibility === "hidden" || e.hidden) return false;
  if (e.tagName === "DETAILS" && !e.open && el !== e && !el.closest("summary")) return false; } return true; };
const langOf = (el) => { const c = el.closest("[lang]"); return c ? c.getAttribute("lang") : document.documentElement.lang; };
while (walker.nextNode()) {
  const node = walker.currentNode; const text = node.nodeValue.trim(); const el = node.parentElement;
  if (!text || !el || ["SCRIPT", "STYLE", "NOSCRIPT"].includes(el.tagName)) continue;
  if (el.closest("dialog") && !el.closest("dialog").open) continue;
  if (shown(el)) out.push({ text, lang: langOf(el), tag: el.tagName });
}
for (const el of document.querySelectorAll("[aria-label], img[alt], [placeholder], [title]")) {
  if (!shown(el)) continue;
  for (const attr of ["aria-label", "alt", "placeholder"]) {
    const value = el.getAttribute(attr); if (value) out.push({ text: value, lang: langOf(el), tag: el.tagName + "@" + attr });
  }
}
out.push({ text: document.title, lang: document.documentElement.lang, tag: "TITLE" });
return out;
"""
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def visible_texts(driver) -> list[dict]:
    return driver.execute_script(VISIBLE_TEXTS_JS)


def japanese_in_english_mode(driver) -> list[dict]:
    """Visible texts with kana/kanji that are not marked lang="ja" (e.g. the 日本語 button)."""
    return [item for item in visible_texts(driver) if JAPANESE.search(item["text"]) and item["lang"] != "ja"]


def shoot(driver, name: str, widths=(375, 1280)) -> list[Path]:
    """Full-page screenshots of the current state at each width: test-artifacts/screens/<name>-<width>.png."""
    SCREENS_DIR.mkdir(parents=True, exist_ok=True)
    paths = []
    for width in widths:
        mobile = width < 600
        metrics = {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": mobile}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        time.sleep(0.15)  # layout settles
        height = driver.execute_script(
            "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight, window.innerHeight)")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": min(int(height), 6000)})
        time.sleep(0.15)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path = SCREENS_DIR / f"{name}-{width}.png"
        import base64

        path.write_bytes(base64.b64decode(shot["data"]))
        paths.append(path)
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return paths


# WCAG 2 contrast of each visible text against the colour behind it (walking up to the first opaque
# background; the page's own background otherwise). Disabled controls are exempt (WCAG 1.4.3).
LOW_CONTRAST_JS = r"""
const minimum = arguments[0];
const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const blend = (top, bottom) => ({ r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
  b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
const background = (el) => { const layers = [];
  for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
  let color = { r: 255, g: 255, b: 255, a: 1 };
  for (const layer of layers.reverse()) color = blend(layer, color);
  return color; };
const bad = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const el = walker.currentNode.parentElement; const text = walker.currentNode.nodeValue.trim();
  if (!text || !el || el.closest("[disabled], [hidden], dialog:not([open])")) continue;
  const style = getComputedStyle(el);
  if (style.visibility === "hidden" || style.display === "none" || !el.getClientRects().length) continue;
  let opacity = 1; for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
  if (opacity < 0.5) continue;  // a faded-out element (e.g. the expired QR), not text to read
  const bg = background(el); const fg = blend(parse(style.color), bg);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x); const ratio = (a + 0.05) / (b + 0.05);
  if (ratio < minimum) bad.push({ text: text.slice(0, 60), ratio: Math.round(ratio * 100) / 100, color: style.color });
}
return bad;
"""


def low_contrast_texts(driver, minimum: float = 4.5) -> list[dict]:
    """Visible texts whose contrast with their background is below `minimum` (WCAG AA: 4.5)."""
    return driver.execute_script(LOW_CONTRAST_JS, minimum)
