"""Airdrop jobs from the console against a real anvil chain: the worker thread sends the batches and reports
progress; a server killed mid-way (SIGKILL of a real uvicorn) resumes on restart without issuing anyone twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from tests.backend.access_setup import assert_error
from backend.app import create_app
from backend.db import make_engine, migrate, session_factory
from backend.db.models_chain import Card
from tests.backend.campaign_setup import csv_bytes, wait_for_job
from tests.backend.localchain import ANVIL_KEYS, ROOT, free_port
from tests.backend.manual_clock import WholeSecondsClock
from tests.backend.perks_setup import STAFF_PASSWORD, municipality_id_of, staff_headers


@pytest.fixture
def settings(settings):
    settings.issuer_key = SecretStr(ANVIL_KEYS[0])  # holds ISSUER_ROLE on the test collections
    return settings


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    sync_index()
    return {"mid": municipality_id_of(app, chain_with_collection.collection), "staff": staff_headers(client, app)}


def post_airdrop(client, town, text: str, encoding: str = "utf-8-sig", **form):
    data = {"collection": "RESTEST", **{k: str(v) for k, v in form.items()}}
    return client.post(f"/staff/municipalities/{town['mid']}/airdrops", headers=town["staff"], data=data,
                       files={"file": ("airdrop.csv", csv_bytes(text, encoding), "text/csv")})


def balances(chain, wallets) -> list[int]:
    card = chain.collection.contract
    return [card.functions.balanceOf(w).call() for w in wallets]


def test_airdrop_job_runs_to_completion_and_reports_its_batches(client, app, town, chain_with_collection, sync_index):
    chain = chain_with_collection
    wallets = [chain.new_holder(0).address for _ in range(7)]
    response = post_airdrop(client, town, "アドレス,ランク\n" + "\n".join(f"{w}," for w in wallets) + "\n", "cp932",
                            batch_size=3, tier=1)
    assert response.status_code == 202, response.text
    job = wait_for_job(client, response.json()["id"], town["staff"])
    assert (job["status"], job["total"], job["done"], job["failed"], job["skipped"]) == ("done", 7, 7, 0, 0), job
    assert [b["count"] for b in job["batches"]] == [3, 2, 2]  # even batches, as the command line plans them
    assert all(b["tx_hash"].startswith("0x") and b["status"] == "done" for b in job["batches"])
    assert balances(chain, wallets) == [1] * 7
    sync_index()
    with app.state.services.session_factory() as db:
        tiers = db.scalars(select(Card.tier).where(Card.owner.in_(wallets))).all()
    assert tiers == [1] * 7  # the form's tier for rows that name none
    assert job["message_en"] and job["message_ja"]
    listed = client.get(f"/staff/municipalities/{town['mid']}/airdrops", headers=town["staff"]).json()
    assert listed[0]["id"] == job["id"]


def test_airdrop_list_with_bad_rows_is_refused_with_row_numbers(client, town, chain_with_collection):
    good = chain_with_collection.new_holder(0).address
    body = assert_error(post_airdrop(client, town, f"address,tier\n{good},0\nnot-an-address,0\n{good},9\n"),
                        422, "csv_invalid")
    assert sorted({e["row"] for e in body["errors"]}) == [3, 4]
    assert client.get(f"/staff/municipalities/{town['mid']}/airdrops", headers=town["staff"]).json() == []


def test_same_list_again_is_the_same_airdrop_and_sends_nothing(client, town, chain_with_collection):
    chain = chain_with_collection
    wallets = [chain.new_holder(0).address for _ in range(2)]
    text = "address\n" + "\n".join(wallets) + "\n"
    first = wait_for_job(client, post_airdrop(client, town, text).json()["id"], town["staff"])
    assert first["done"] == 2
    second = wait_for_job(client, post_airdrop(client, town, text).json()["id"], town["staff"])
    assert second["status"] == "done" and second["done"] == 2
    assert balances(chain, wallets) == [1, 1]  # a tradable collection (cap 1000): a repeat would show as 2


def test_airdrop_needs_staff_role_in_the_municipality(client, app, town, chain_with_collection):
    viewer = staff_headers(client, app, "airdrop-viewer", town["mid"], "viewer")
    client.cookies.clear()
    response = client.post(f"/staff/municipalities/{town['mid']}/airdrops", headers=viewer,
                           data={"collection": "RESTEST"}, files={"file": ("a.csv", b"address\n", "text/csv")})
    assert response.status_code == 403
    assert_error(client.get("/staff/airdrops/999999", headers=town["staff"]), 404, "airdrop_not_found")


# --- a real server killed mid-way -----------------------------------------------------------------------
def _start_server(settings, port: int) -> subprocess.Popen:
    env = {**os.environ, "RESIDENT_DATABASE_URL": settings.database_url, "RESIDENT_RPC_URL": settings.rpc_url,
           "RESIDENT_CHAIN_ID": str(settings.chain_id), "RESIDENT_DATA_DIR": str(settings.data_dir),
           "RESIDENT_ISSUER_KEY": ANVIL_KEYS[0], "RESIDENT_ENVIRONMENT": "test", "RESIDENT_POLL_INTERVAL": "0.05",
           "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "backend.app:create_app", "--factory", "--port",
                               str(port), "--log-level", "warning"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code in (200, 503):
                return server
        except httpx.HTTPError:
            pass
        assert server.poll() is None, server.stderr.read().decode()
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


def test_killed_server_resumes_the_airdrop_on_restart_without_duplicates(settings, chain_with_collection, db_url):
    chain = chain_with_collection
    migrate(db_url)
    engine = make_engine(db_url)
    from backend.auth.staff import create_staff

    with session_factory(engine)() as db:
        create_staff(db, "killer", STAFF_PASSWORD, superuser=True)
        db.commit()
    engine.dispose()
    wallets = [chain.new_holder(0).address for _ in range(10)]
    port = free_port()
    server = _start_server(settings, port)
    base = f"http://127.0.0.1:{port}"
    try:
        token = httpx.post(f"{base}/staff/login", json={"login": "killer", "password": STAFF_PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 30
        while not (mids := [m["id"] for m in httpx.get(f"{base}/staff/municipalities", headers=headers).json()
                            if m["name_en"] == "Test City"]):
            assert time.monotonic() < deadline, "the server's indexer did not register the collection"
            time.sleep(0.1)
        chain.rpc("evm_setAutomine", [False])  # batches wait in the node's pool until the test mines them
        response = httpx.post(f"{base}/staff/municipalities/{mids[0]}/airdrops", headers=headers,
                              data={"collection": "RESTEST", "batch_size": "2"},
                              files={"file": ("kill.csv", csv_bytes("address\n" + "\n".join(wallets) + "\n"), "text/csv")})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        deadline = time.monotonic() + 60
        while True:  # mine one batch at a time until two are done and the third is in flight
            job = httpx.get(f"{base}/staff/airdrops/{job_id}", headers=headers).json()
            sent = [b for b in job["batches"] if b["status"] == "sent"]
            if sent and job["done"] == 4:
                break
            if sent:
                chain.mine()
            assert time.monotonic() < deadline, job
            time.sleep(0.05)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        chain.mine()  # the third batch lands while no server runs: the journal never saw its receipt
    finally:
        chain.rpc("evm_setAutomine", [True])
        if server.poll() is None:
            os.kill(server.pid, signal.SIGKILL)
            server.wait(10)
    assert balances(chain, wallets) == [1] * 6 + [0] * 4

    with TestClient(create_app(settings)) as client:  # the restart: the worker picks the job up
        headers = staff_headers(client, client.app, "restarter")
        job = wait_for_job(client, job_id, headers)
    assert (job["status"], job["done"], job["total"]) == ("done", 10, 10), job
    assert balances(chain, wallets) == [1] * 10
    assert len({b["tx_hash"] for b in job["batches"]}) == 5


def test_only_one_worker_leases_a_job_and_a_dead_workers_job_is_taken_over(app, town, chain_with_collection):
    """Several app processes share a database: each job is sent by one worker at a time."""
    from sqlalchemy import update

    from backend.campaigns.airdrop_jobs import LEASE_SECONDS, AirdropWorker, new_job
    from backend.campaigns.csvfile import RecipientRow
    from backend.db.models_campaigns import AirdropJob
    from backend.messages import texts
    from backend.db.models_chain import Collection

    sessions = app.state.services.session_factory
    with sessions() as db:
        collection = db.scalar(select(Collection).where(Collection.symbol == "RESTEST"))
        job = new_job(town["mid"], collection, "x.csv", [RecipientRow(2, chain_with_collection.admin, None)], 0,
                      None, None, app.state.services.settings.data_dir, None)
        job.status = "failed"  # kept away from the app's own running worker
        db.add(job)
        db.commit()
        job_id = job.id
    clock = WholeSecondsClock(time.time())
    first, second = (AirdropWorker(app.state.services.settings, sessions, app.state.services.issuer, clock=clock) for _ in range(2))
    with sessions() as db:
        db.execute(update(AirdropJob).where(AirdropJob.id == job_id).values(status="queued"))
        app.state.services.airdrop_worker.stop()  # the app's worker must not race the two under test
        db.commit()
    assert first._next_job() == job_id
    assert second._next_job() is None  # leased by the first
    assert first.lease.renew(job_id) and not second.lease.renew(job_id)
    clock.advance(LEASE_SECONDS - 1)
    assert second._next_job() is None
    clock.advance(1)  # the first worker died: its lease runs out
    assert second._next_job() == job_id
    assert not first.lease.renew(job_id)
    # A newly elected leader does not wait for the lease: the election says its holder is gone.
    third = AirdropWorker(app.state.services.settings, sessions, app.state.services.issuer, clock=clock)
    assert third._next_job() is None  # the second holds it for LEASE_SECONDS
    third.take_over()
    assert third._next_job() == job_id  # no time passed
    assert not second.lease.renew(job_id)
    assert third.lease.release(job_id) and second.lease.claim(job_id)  # back to the second for what follows
    with sessions() as db:
        assert (db.get(AirdropJob, job_id).status, db.get(AirdropJob, job_id).lease_owner) == ("running",
                                                                                             second.worker_id)
    second._finish(job_id, "failed", texts("airdrop_failed", reason="stopped by the test"))  # gives the lease up
    first._finish(job_id, "done", texts("airdrop_done", issued=1, skipped=0))  # a worker that lost it records nothing
    with sessions() as db:
        job = db.get(AirdropJob, job_id)
        assert (job.status, job.message_en, job.lease_owner) == (
            "failed", texts("airdrop_failed", reason="stopped by the test").en, None)
