"""The production profile started for real (`python -m backend.production`: gunicorn, 3 uvicorn workers) on a real
PostgreSQL, a real anvil mining a block a second, and Debian's Caddy in front with `tls internal` (its own local
CA; clients trust that CA's root, nothing is unverified). Shared by this folder's tests.

Which worker leads is read from PostgreSQL itself: the connection holding the advisory lock is named
resident-leader-<worker pid> (backend/workers/leader.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from backend.db import make_engine
from tests.backend.db_templates import database_url
from tests.backend.localchain import CHAIN_ID, Anvil, free_port

ROOT = Path(__file__).resolve().parents[3]
TAKEOVER_SECONDS = 15


def caddy_binary() -> str:
    found = subprocess.run([str(ROOT / "tools" / "caddy.sh")], capture_output=True, text=True)
    if found.returncode != 0:
        pytest.fail(f"tools/caddy.sh could not install Caddy: {found.stderr[-500:]}")
    return found.stdout.strip()


def leader_pid(engine) -> int | None:
    with engine.connect() as connection:
        name = connection.execute(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() "
            "AND a.application_name LIKE 'resident-leader-%'")).scalar()
    return int(name.rsplit("-", 1)[1]) if name else None


def indexed_block(engine) -> int:
    with engine.connect() as connection:
        value = connection.execute(text("SELECT indexed_block FROM chain_cursors WHERE chain_id = :c"),
                                   {"c": CHAIN_ID}).scalar()
    return -1 if value is None else value


def wait_for(predicate, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


@pytest.fixture
def stack_env() -> dict[str, str]:
    """More RESIDENT_* variables for the workers (a test overrides this fixture)."""
    return {}


@pytest.fixture
def stack(tmp_path, postgres_databases, stack_env):
    name = postgres_databases.take(None)  # empty: gunicorn's master migrates it once before forking
    db_url = database_url(postgres_databases.server_url, name)
    anvil = Anvil(extra=["--block-time", "1"])
    api_port, https_port, http_port = free_port(), free_port(), free_port()
    env = {**os.environ, "RESIDENT_DATABASE_URL": db_url, "RESIDENT_RPC_URL": anvil.url,
           "RESIDENT_CHAIN_ID": str(CHAIN_ID), "RESIDENT_DATA_DIR": str(tmp_path / "data"),
           "RESIDENT_API_PORT": str(api_port), "RESIDENT_WEB_WORKERS": "3", "RESIDENT_LEADER_POLL_SECONDS": "1",
           "RESIDENT_PUBLIC_URL": f"https://localhost:{https_port}", "RESIDENT_ENVIRONMENT": "test",
           "RESIDENT_JOBS_INTERVAL": "5", "PYTHONPATH": str(ROOT), **stack_env}
    api = subprocess.Popen([sys.executable, "-m", "backend.production"], cwd=tmp_path, env=env,
                           stdout=open(tmp_path / "gunicorn.log", "wb"), stderr=subprocess.STDOUT)
    caddy_env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
                 "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"), "SITE_DOMAIN": "localhost",
                 "UPSTREAM": f"127.0.0.1:{api_port}", "SITE_TLS": "tls internal", "HTTPS_PORT": str(https_port),
                 "HTTP_PORT": str(http_port), "CADDY_OPTIONS": "skip_install_trust"}
    caddy = subprocess.Popen([caddy_binary(), "run", "--config", str(ROOT / "deploy" / "Caddyfile"),
                              "--adapter", "caddyfile"], env=caddy_env,
                             stdout=open(tmp_path / "caddy.log", "wb"), stderr=subprocess.STDOUT)
    engine = make_engine(db_url, pool_size=2)
    try:
        yield {"api": api, "rpc": anvil.url, "engine": engine, "https": f"https://localhost:{https_port}",
               "db_url": db_url, "data_dir": tmp_path / "data",
               "ca": tmp_path / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt",
               "log": tmp_path / "gunicorn.log"}
    finally:
        for process in (caddy, api):
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()
        anvil.stop()




def get(client, url):
    try:
        return client.get(url)
    except httpx.HTTPError:
        return None
