"""Several RPC endpoints for one chain: failover on errors, backoff on rate limits, back to the first one.

RESIDENT_RPC_URLS lists a chain's endpoints in order of preference (the first is RESIDENT_RPC_URL's role).
`Endpoints` keeps which one is in use, shared by every `Chain` of a process; `FailoverProvider` is web3's
HTTPProvider posting through it:

- a connection error, a timeout or an HTTP 5xx: that endpoint rests for `cooldown` seconds and the request
  goes to the next one; when every endpoint failed, the last error is raised (ChainError in client.py);
- HTTP 429: wait Retry-After (seconds; at most `max_wait`) or an exponential backoff, with jitter so that
  workers do not return together, and ask the same endpoint again; after `rate_limit_retries` the next one;
- after `cooldown` on a later endpoint, the first is tried again (it is the one chosen: cheaper, nearer).

No URL leaves this module unredacted: `describe()` names an endpoint by its position and host.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from web3 import Web3

from backend.chain import redaction

log = logging.getLogger(__name__)
redaction.guard_logger(log)

COOLDOWN = 30.0  # seconds a failed endpoint rests before it is tried again
RATE_LIMIT_RETRIES = 3
MAX_WAIT = 10.0  # seconds: longest Retry-After honoured in a request (a longer one means "use another")
BACKOFF = 0.25  # first wait on a 429 without Retry-After; doubles each time


_SHARED: dict[tuple[str, ...], Endpoints] = {}
_SHARED_LOCK = threading.Lock()


class EndpointsFailed(requests.ConnectionError):
    """Raised when every endpoint failed a request; says how each failed, redacted."""


class Endpoints:
    """A chain's RPC URLs in order of preference and which one is in use (thread-safe)."""

    def __init__(self, urls: Sequence[str], cooldown: float = COOLDOWN, max_wait: float = MAX_WAIT,
                 rate_limit_retries: int = RATE_LIMIT_RETRIES, backoff: float = BACKOFF) -> None:
        urls = [u.strip() for u in urls if u and u.strip()]
        if not urls:
            raise ValueError("no RPC endpoint given")
        self.urls = urls
        self.cooldown, self.max_wait = cooldown, max_wait
        self.rate_limit_retries, self.backoff = rate_limit_retries, backoff
        self._failed_at: dict[int, float] = {}
        self._current = 0
        self._lock = threading.Lock()
        for url in urls:
            redaction.remember(url)

    @classmethod
    def of(cls, settings) -> Endpoints:
        """The process's one `Endpoints` for settings' RPC URLs: every Chain built from them fails over together."""
        urls = tuple(settings.rpc_endpoints)
        with _SHARED_LOCK:
            if urls not in _SHARED:
                _SHARED[urls] = cls(urls)
            return _SHARED[urls]

    @property
    def current(self) -> int:
        return self._current

    def describe(self, index: int | None = None) -> str:
        """An endpoint as it may be shown (/health, logs): "#1 rpc.example.org" (position from 1, host only)."""
        index = self._current if index is None else index
        try:
            host = urlsplit(self.urls[index]).hostname or "?"
        except ValueError:
            host = "?"
        return f"#{index + 1} {host}"

    def order(self) -> list[int]:
        """Endpoints to try, best first: the rested ones in preference order from the first, then the resting."""
        now = time.monotonic()
        with self._lock:
            rested = [i for i in range(len(self.urls)) if now - self._failed_at.get(i, -1e18) >= self.cooldown]
            resting = sorted((i for i in range(len(self.urls)) if i not in rested), key=self._failed_at.get)
        return rested + resting

    def failed(self, index: int) -> None:
        with self._lock:
            self._failed_at[index] = time.monotonic()

    def succeeded(self, index: int) -> None:
        with self._lock:
            if index != self._current:
                log.warning("RPC endpoint now %s (was %s)", self.describe(index), self.describe(self._current))
            self._current = index
            self._failed_at.pop(index, None)

    def wait_for_rate_limit(self, response: requests.Response, attempt: int) -> float:
        """Seconds to wait after a 429: its Retry-After (seconds or an HTTP date), else a doubling backoff;
        plus up to 25% jitter. More than `max_wait`: -1 (try another endpoint instead)."""
        wait = _retry_after(response.headers.get("Retry-After"))
        if wait is None:
            wait = self.backoff * 2**attempt
        if wait > self.max_wait:
            return -1.0
        return wait * (1 + random.random() / 4)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class FailoverProvider(Web3.HTTPProvider):
    """web3's HTTP provider over `Endpoints`: each request goes to the endpoint in use, then the next ones."""

    def __init__(self, endpoints: Endpoints, timeout: float = 10.0) -> None:
        super().__init__(endpoints.urls[0], request_kwargs={"timeout": timeout})
        self.endpoints = endpoints
        self.timeout = timeout
        self.exception_retry_configuration = None  # ours, not web3's (which retries one URL only)
        self._session = requests.Session()

    def __str__(self) -> str:
        return f"RPC connection {self.endpoints.describe()}"

    def _make_request(self, method, request_data: bytes) -> bytes:
        return self._post(request_data)

    def make_batch_request(self, batch_requests):
        request_data = self.encode_batch_rpc_request(batch_requests)
        response = self.decode_rpc_response(self._post(request_data))
        if not isinstance(response, list):
            return response
        return sorted(response, key=lambda r: r.get("id", 0))

    def _post(self, data: bytes) -> bytes:
        problems = []
        headers = self.get_request_headers()
        for index in self.endpoints.order():
            url = self.endpoints.urls[index]
            self.endpoint_uri = url  # what web3's (redacted) debug lines name
            attempt = 0
            while True:
                try:
                    response = self._session.post(url, data=data, headers=headers, timeout=self.timeout)
                except (requests.ConnectionError, requests.Timeout, OSError) as exc:
                    problems.append(f"{self.endpoints.describe(index)}: {type(exc).__name__}")
                    break
                if response.status_code == 429 and attempt < self.endpoints.rate_limit_retries:
                    wait = self.endpoints.wait_for_rate_limit(response, attempt)
                    if wait >= 0:
                        log.info("RPC %s rate-limited: waiting %.2f s", self.endpoints.describe(index), wait)
                        time.sleep(wait)
                        attempt += 1
                        continue
                if response.status_code == 429 or response.status_code >= 500:
                    problems.append(f"{self.endpoints.describe(index)}: HTTP {response.status_code}")
                    break
                response.raise_for_status()  # another 4xx: the request is wrong, not the node
                self.endpoints.succeeded(index)
                return response.content
            self.endpoints.failed(index)
            log.warning("RPC %s failed (%s): trying the next endpoint", self.endpoints.describe(index), problems[-1])
        raise EndpointsFailed(redaction.redact("every RPC endpoint failed: " + "; ".join(problems)))
