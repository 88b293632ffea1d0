"""backend/chain/transport.py: failover, rate-limit backoff and return to the first endpoint, through real local
HTTP servers in front of a real anvil (a fault server answers 429, 500 or hangs up, else passes the request on)."""

from __future__ import annotations

import http.server
import logging
import threading
import time

import pytest
import requests
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.chain.client import Chain
from backend.chain.transport import Endpoints
from backend.errors import ChainError
from backend.settings import Settings

KEY = "APIKEY0123456789abcdef"
PASSWORD = "hunter2-very-secret"


class FaultServer:
    """An HTTP server on 127.0.0.1: `mode` "proxy" forwards to anvil; "429" answers Too Many Requests (with
    `retry_after` when set) `times` times, then proxies; "500" answers Internal Server Error; "close" hangs up."""

    def __init__(self, upstream: str) -> None:
        self.upstream, self.mode, self.times, self.retry_after = upstream, "proxy", 10**9, None
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests += 1
                mode = server.mode
                if mode != "proxy" and server.times <= 0:
                    mode = "proxy"
                if mode != "proxy":
                    server.times -= 1
                if mode == "close":
                    self.close_connection = True
                    self.connection.close()
                    return
                if mode in ("429", "500"):
                    self.send_response(int(mode))
                    if server.retry_after is not None:
                        self.send_header("Retry-After", str(server.retry_after))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = requests.post(server.upstream, data=body, headers={"Content-Type": "application/json"})
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, secret: bool = False) -> str:
        """Its URL; `secret`: as a provider's, with user:password and an API key in the path and the query."""
        if secret:
            return f"http://user:{PASSWORD}@127.0.0.1:{self.port}/v2/{KEY}?apikey={KEY}"
        return f"http://127.0.0.1:{self.port}/"

    def fail(self, mode: str, times: int = 10**9, retry_after=None) -> FaultServer:
        self.mode, self.times, self.retry_after = mode, times, retry_after
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def faults(anvil):
    made = []

    def make() -> FaultServer:
        made.append(FaultServer(anvil.url))
        return made[-1]
    yield make
    for server in made:
        server.stop()


@pytest.mark.parametrize("mode", ["500", "close"])
def test_a_failing_endpoint_fails_over_to_the_next(faults, mode):
    first, second = faults().fail(mode), faults()
    chain = Chain(Endpoints([first.url(), second.url()]))
    assert chain.chain_id() == 31337
    assert chain.endpoint_in_use == "#2 127.0.0.1" and first.requests >= 1 and second.requests == 1
    chain.head()
    assert second.requests == 2  # the failed one rests: no second try within the cool-down


def test_a_stalled_endpoint_times_out_and_fails_over(faults, anvil):
    import socket
    silent = socket.socket()  # accepts connections (the kernel's backlog), never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        chain = Chain(Endpoints([f"http://127.0.0.1:{silent.getsockname()[1]}/", faults().url()]), timeout=0.5)
        assert chain.chain_id() == 31337 and chain.endpoint_in_use == "#2 127.0.0.1"
    finally:
        silent.close()


def test_429_waits_retry_after_and_asks_the_same_endpoint_again(faults):
    first, second = faults().fail("429", times=1, retry_after=1), faults()
    chain = Chain(Endpoints([first.url(), second.url()]))
    started = time.monotonic()
    assert chain.chain_id() == 31337
    assert time.monotonic() - started >= 1.0  # Retry-After honoured (a lower bound, not a speed)
    assert (first.requests, second.requests) == (2, 0) and chain.endpoint_in_use == "#1 127.0.0.1"


def test_429_without_retry_after_backs_off_then_fails_over(faults):
    first, second = faults().fail("429"), faults()
    chain = Chain(Endpoints([first.url(), second.url()], backoff=0.01, rate_limit_retries=2))
    assert chain.chain_id() == 31337
    assert first.requests == 3 and chain.endpoint_in_use == "#2 127.0.0.1"  # one try and two retries


def test_a_retry_after_longer_than_we_wait_goes_to_the_next_endpoint(faults):
    first, second = faults().fail("429", retry_after=3600), faults()
    chain = Chain(Endpoints([first.url(), second.url()]))
    assert chain.chain_id() == 31337 and first.requests == 1 and chain.endpoint_in_use == "#2 127.0.0.1"


def test_the_first_endpoint_is_used_again_after_the_cool_down(faults):
    first, second = faults().fail("500"), faults()
    chain = Chain(Endpoints([first.url(), second.url()], cooldown=0.2))
    chain.head()
    assert chain.endpoint_in_use == "#2 127.0.0.1"
    first.fail("proxy")
    time.sleep(0.25)
    chain.head()
    assert chain.endpoint_in_use == "#1 127.0.0.1"


def test_batches_fail_over_too(faults, chain_with_collection):
    first, second = faults().fail("500"), faults()
    chain = Chain(Endpoints([first.url(), second.url()]))
    card = chain_with_collection.collection.address
    answers = chain.call_many(card, ["0x06fdde03", "0x95d89b41"])  # name(), symbol()
    assert len(answers) == 2 and all(a.startswith("0x") and len(a) > 2 for a in answers)
    assert second.requests == 1  # one batch request, not one per call


def test_when_every_endpoint_fails_no_url_secret_reaches_the_error_or_the_logs(faults, caplog):
    first, second = faults().fail("500"), faults().fail("close")
    caplog.set_level(logging.DEBUG)
    chain = Chain(Endpoints([first.url(secret=True), second.url(secret=True)]))
    with pytest.raises(ChainError) as failed:
        chain.head()
    said = str(failed.value) + failed.value.reason + failed.value.rpc_url + caplog.text
    assert "every RPC endpoint failed" in said and "#1 127.0.0.1: HTTP 500" in said
    assert KEY not in said and PASSWORD not in said and "user:" not in said


def test_settings_list_endpoints_with_rpc_url_first():
    assert Settings(_env_file=None, rpc_url="http://a.example/").rpc_endpoints == ["http://a.example/"]
    listed = Settings(_env_file=None, rpc_urls="http://a.example/, http://b.example/")
    assert listed.rpc_url == "http://a.example/" and listed.rpc_endpoints == ["http://a.example/", "http://b.example/"]
    both = Settings(_env_file=None, rpc_url="http://b.example/", rpc_urls="http://a.example/,http://b.example/")
    assert both.rpc_endpoints == ["http://b.example/", "http://a.example/"]


def test_health_names_the_endpoint_in_use_without_its_key(faults, chain_with_collection, db_url, caplog):
    first, second = faults().fail("500"), faults()
    caplog.set_level(logging.DEBUG)
    settings = Settings(_env_file=None, environment="test", rpc_urls=f"{first.url(secret=True)},"
                        f"{second.url(secret=True)}", data_dir=chain_with_collection.data_dir,
                        database_url=db_url, indexer_enabled=False, jobs_enabled=False)
    with TestClient(create_app(settings)) as client:
        answer = client.get("/health")
    body = answer.text
    assert answer.json()["rpc_endpoint"] == "#2 127.0.0.1" and answer.json()["head_block"] is not None
    assert KEY not in body + caplog.text and PASSWORD not in body + caplog.text
