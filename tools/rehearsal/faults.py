"""A fault proxy in front of anvil's RPC: what a public RPC provider does to its clients.

On a seeded schedule (a fraction `rate` of requests, drawn from `seed`), a request is answered with one of:
- `stall`: held `stall_seconds` before it is forwarded (a slow provider);
- `429`: Too Many Requests with Retry-After (a rate limit);
- `502` / `503`: a gateway error / unavailable;
- `close`: the connection closed with no answer;
- `rpc_error`: HTTP 200 with a JSON-RPC error object (-32005, "limit exceeded");
- `lost_answer`: forwarded to the node (a transaction is sent), then the connection closed with no answer: the
  client cannot tell whether its request happened.
Every other request is forwarded unchanged. `counts` says how many of each were injected. The backend is
given `proxy.url` as its RPC URL; the rehearsal's own checks talk to anvil directly.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RPC_FAULTS = ("stall", "429", "502", "503", "close", "rpc_error", "lost_answer")


class FaultPlan:
    """Which requests fail and how: request n's fate is fixed by (seed, n), so a run can be repeated."""

    def __init__(self, seed: int, rate: float = 0.05, kinds: tuple[str, ...] = RPC_FAULTS) -> None:
        self.rng = random.Random(seed)
        self.rate = rate
        self.kinds = kinds
        self.lock = threading.Lock()

    def next(self) -> str | None:
        with self.lock:
            hit = self.rng.random() < self.rate
            kind = self.rng.choice(self.kinds)
        return kind if hit and self.kinds else None


class FaultProxy:
    def __init__(self, upstream: str, plan: FaultPlan, stall_seconds: float = 3.0, retry_after: int = 1) -> None:
        self.upstream = upstream
        self.plan = plan
        self.stall_seconds = stall_seconds
        self.retry_after = retry_after
        self.counts: Counter = Counter()
        self.enabled = True
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet: the counts are the report
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                kind = proxy.plan.next() if proxy.enabled else None
                proxy.counts["requests"] += 1
                if kind:
                    proxy.counts[kind] += 1
                if kind == "close":
                    self.close_connection = True
                    self.connection.close()
                    return
                if kind in ("429", "502", "503"):
                    headers = {"Retry-After": str(proxy.retry_after)} if kind in ("429", "503") else {}
                    self._answer(int(kind), b'{"error":"injected"}', headers)
                    return
                if kind == "rpc_error":
                    try:
                        request_id = json.loads(body).get("id", 1)
                    except (ValueError, AttributeError):
                        request_id = 1
                    error = {"jsonrpc": "2.0", "id": request_id,
                             "error": {"code": -32005, "message": "limit exceeded (injected)"}}
                    self._answer(200, json.dumps(error).encode())
                    return
                if kind == "stall":
                    time.sleep(proxy.stall_seconds)
                try:
                    request = urllib.request.Request(proxy.upstream, body, {"Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=60) as response:
                        answer = response.read()
                    if kind == "lost_answer":
                        self.close_connection = True
                        self.connection.close()
                        return
                    self._answer(response.status, answer)
                except urllib.error.HTTPError as exc:
                    self._answer(exc.code, exc.read())
                except OSError:
                    self._answer(502, b'{"error":"upstream unreachable"}')

            def _answer(self, status: int, payload: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fault-proxy", daemon=True)
        self.thread.start()

    def injected(self) -> dict[str, int]:
        return {k: v for k, v in self.counts.items() if k != "requests"}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
