"""`make run` gives the console a campaign minter: staff create a campaign over HTTP at once, and a second
run reuses the minter."""

import json
import re
import time

import httpx

from tests.tools.test_run_local import api, env, run_until_ready  # noqa: F401  (env is a fixture)

DEMO_STAFF = {"login": "admin", "password": "demo-admin-password"}


def create_demo_campaign(env, seen):  # noqa: F811
    base = api(env)
    token = httpx.post(f"{base}/staff/login", json=DEMO_STAFF, timeout=10).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 20
    while not (mids := [m["id"] for m in httpx.get(f"{base}/staff/municipalities", headers=headers).json()]):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    now = int(time.time())
    response = httpx.post(f"{base}/staff/municipalities/{mids[0]}/campaigns", headers=headers, timeout=30, json={
        "collection": "MINEDEMO", "name_ja": "デモ募集", "name_en": "Demo drive", "starts_at": now - 60,
        "ends_at": now + 86_400, "supply": 100, "validity_days": 365})
    seen["created"] = response.status_code, response.json()
    seen["public"] = httpx.get(f"{base}/campaigns", timeout=10).json()


def test_make_run_deploys_the_demo_minter_and_the_console_can_create_a_campaign(env, tmp_path):  # noqa: F811
    seen = {}
    code, first = run_until_ready(env, while_running=lambda: create_demo_campaign(env, seen))
    assert code == 0, first
    minter = re.search(r"minter\s+(0x[0-9a-fA-F]{40})\s+\(deployed now", first).group(1)
    record = json.loads((tmp_path / "deployments" / "31337" / "MINEDEMO.minter.json").read_text())
    assert record["address"] == minter
    status, created = seen["created"]
    assert status == 201, created
    assert created["minter"] == minter and created["status"] == "open"
    assert [c["name_en"] for c in seen["public"]] == ["Demo drive"]

    code, second = run_until_ready(env)
    assert code == 0, second
    assert re.search(rf"minter\s+{minter}\s+\(reused", second)
