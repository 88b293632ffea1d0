"""Basic inactivity on anvil: a long-inactive card gets a notice (in the app, and by email once the mail job
sends what the inactivity job queued), a card whose notice ran out is revoked on chain with the issuer key,
and a sign-in after the notice cancels it."""

import re

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from tests.backend.access_setup import assert_error, sign_in
from tests.backend.civic_setup import SmtpServer, holder_with_card, new_town
from tests.backend.localchain import ANVIL_KEYS
from backend.db.models_chain import Card
from backend.db.models_civic import HolderActivity

DAY = 86_400


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def settings(settings, smtp):
    """The deployer (anvil key 0) holds ISSUER_ROLE on the test cards: it is the backend's issuer here."""
    return settings.model_copy(update={"smtp_url": smtp.url, "issuer_key": SecretStr(ANVIL_KEYS[0])})


@pytest.fixture
def town(client, app, chain_with_collection, sync_index):
    town = new_town(chain_with_collection, client, app, sync_index)
    r = client.put(f"/staff/municipalities/{town.mid}/inactivity", headers=town.staff,
                   json={"enabled": True, "inactive_days": 730, "notice_days": 60})
    assert r.status_code == 200, r.text
    return town


def age(app, address: str, token_id: int, town, days: int) -> None:
    """Make the holder's last activity and the card's holding start `days` old (as after two quiet years)."""
    import time

    then = int(time.time()) - days * DAY
    with app.state.services.session_factory() as db:
        db.execute(update(HolderActivity).where(HolderActivity.address == address).values(last_active_at=then))
        db.execute(update(Card).where(Card.collection_id == town.cid, Card.token_id == token_id)
                   .values(holding_since=then))
        db.commit()


def run(client, town):
    r = client.post(f"/staff/municipalities/{town.mid}/inactivity/run", headers=town.staff)
    assert r.status_code == 200, r.text
    return r.json()


def run_mail_job(app) -> str:
    """The app's mail job (civic.mail), run now as its loop would."""
    runner = app.state.services.jobs
    outcome = runner.run_now(next(job for job in runner.jobs if job.name == "civic.mail"))
    assert outcome.error == "", outcome.error
    return outcome.result


def test_a_quiet_card_is_noticed_then_revoked_on_chain(client, app, town, sync_index, smtp):
    account, headers, [token] = holder_with_card(client, town, sync_index)
    _, active_headers, [active_token] = holder_with_card(client, town, sync_index)
    r = client.put("/me/email", json={"email": "quiet@example.jp"}, headers=headers)
    code = re.search(r"確認コード: (\d{6})", smtp.inbox.to("quiet@example.jp")[0].get_content()).group(1)
    assert client.post("/me/email/verify", json={"code": code}, headers=headers).json()["verified"]
    age(app, account.address, token, town, 800)

    preview = client.get(f"/staff/municipalities/{town.mid}/inactivity/preview", headers=town.staff).json()
    assert preview["summary"]["notify"] == 1 and preview["notify"][0]["token_id"] == token
    report = run(client, town)
    assert report["noticed"] == 1 and report["revoked"] == []
    assert run(client, town)["noticed"] == 0  # one notice per card

    notices = client.get("/me/notices", headers=headers).json()
    assert notices[0]["status"] == "open" and notices[0]["token_id"] == token
    news = client.get("/me/announcements", headers=headers).json()["announcements"]
    assert news[0]["kind"] == "inactivity_notice" and news[0]["personal"] is True
    assert "サインインだけで十分です" in news[0]["body_ja"]
    assert client.get("/me/notices", headers=active_headers).json() == []
    assert len(smtp.inbox.to("quiet@example.jp")) == 1  # the code only: the run queued the notice's mail
    assert run_mail_job(app) == "1 sent, 0 failed"
    mails = smtp.inbox.to("quiet@example.jp")
    assert len(mails) == 2
    assert "ご利用が長期間ありません" in mails[-1]["Subject"] and "Sign in to the app by" in mails[-1].get_content()

    app.state.services.clock = lambda: __import__("time").time() + 59 * DAY
    assert run(client, town)["revoked"] == []  # still within the notice period
    app.state.services.clock = lambda: __import__("time").time() + 61 * DAY
    report = run(client, town)
    assert [r["token_id"] for r in report["revoked"]] == [token]
    assert report["revoked"][0]["tx_hash"].startswith("0x")
    assert town.col.contract.functions.isValid(token).call() is False
    assert town.col.contract.functions.isValid(active_token).call() is True
    sync_index()
    assert client.get("/me/notices", headers=headers).json()[0]["status"] == "revoked"
    kpis = client.get(f"/staff/municipalities/{town.mid}/civic-kpis", headers=town.staff).json()
    assert (kpis["notices_sent"], kpis["cards_revoked_for_inactivity"]) == (1, 1)


def test_a_sign_in_after_the_notice_cancels_it(client, app, town, sync_index):
    account, headers, [token] = holder_with_card(client, town, sync_index)
    age(app, account.address, token, town, 800)
    assert run(client, town)["noticed"] == 1
    assert client.get("/me/notices", headers=headers).json()[0]["status"] == "open"
    assert sign_in(client, account).status_code == 200  # "sign in = enough"
    notice = client.get("/me/notices", headers=headers).json()[0]
    assert notice["status"] == "cancelled" and "active again" in notice["message_en"]  # lifted at once
    app.state.services.clock = lambda: __import__("time").time() + 61 * DAY
    report = run(client, town)
    assert report["revoked"] == [] and report["plan"]["revoke"] == 0
    assert town.col.contract.functions.isValid(token).call() is True


def test_activity_the_job_sees_first_also_cancels_the_notice(client, app, town, sync_index):
    """A check-in recorded by another module (or a vote) between runs: the next run lifts the notice."""
    from backend.db.models_civic import InactivityNotice

    account, headers, [token] = holder_with_card(client, town, sync_index)
    age(app, account.address, token, town, 800)
    assert run(client, town)["noticed"] == 1
    with app.state.services.session_factory() as db:  # as if the notice were based on older activity than recorded now
        db.execute(update(InactivityNotice).values(last_active_at=InactivityNotice.last_active_at - 10))
        db.execute(update(HolderActivity).where(HolderActivity.address == account.address)
                   .values(last_active_at=HolderActivity.last_active_at - 5))
        db.commit()
    report = run(client, town)
    assert report["cancelled"] == 1
    assert client.get("/me/notices", headers=headers).json()[0]["status"] == "cancelled"


def test_a_disabled_rule_notices_nobody(client, app, town, sync_index):
    account, _, [token] = holder_with_card(client, town, sync_index)
    age(app, account.address, token, town, 800)
    client.put(f"/staff/municipalities/{town.mid}/inactivity", headers=town.staff,
               json={"enabled": False, "inactive_days": 730, "notice_days": 60})
    assert run(client, town)["noticed"] == 0


def test_the_rule_is_checked_and_needs_an_admin(client, app, town):
    url = f"/staff/municipalities/{town.mid}/inactivity"
    assert_error(client.put(url, headers=town.staff, json={"enabled": True, "inactive_days": 1, "notice_days": 60}),
                 422, "invalid_request")
    from tests.backend.perks_setup import staff_headers

    viewer = staff_headers(client, app, "viewer-of-town", town.mid, "viewer")
    assert client.get(url, headers=viewer).status_code == 200
    assert_error(client.put(url, headers=viewer, json={"enabled": True, "inactive_days": 730, "notice_days": 60}),
                 403, "role_required")
    assert_error(client.post(url + "/run", headers=viewer), 403, "role_required")


def test_the_daily_job_applies_the_rule_of_every_municipality(client, app, town, sync_index, smtp):
    import time

    from backend.civic import jobs as civic_jobs
    from backend.workers.jobs import JobRunner

    account, headers, [token] = holder_with_card(client, town, sync_index)
    client.put("/me/email", json={"email": "daily@example.jp"}, headers=headers)
    code = re.search(r"確認コード: (\d{6})", smtp.inbox.to("daily@example.jp")[0].get_content()).group(1)
    assert client.post("/me/email/verify", json={"code": code}, headers=headers).json()["verified"]
    age(app, account.address, token, town, 800)
    jobs = {job.name: job for job in civic_jobs.periodic_jobs(app.state.services.settings)}
    assert set(jobs) == {"civic.inactivity", "civic.mail"}
    runner = JobRunner(app.state.services.settings, app.state.services.session_factory, app.state.services.issuer, list(jobs.values()))
    outcome = runner.run_now(jobs["civic.inactivity"])
    assert outcome.error == "" and "1 noticed" in outcome.result
    assert client.get("/me/notices", headers=headers).json()[0]["status"] == "open"
    assert len(smtp.inbox.to("daily@example.jp")) == 1  # queued, not sent: sending is the mail job's
    assert runner.run_now(jobs["civic.mail"]).result == "1 sent, 0 failed"
    notice_mail = smtp.inbox.to("daily@example.jp")[-1]
    assert "ご利用が長期間ありません" in notice_mail["Subject"]
    outcome = runner.run_now(jobs["civic.inactivity"], now=int(time.time()) + 61 * DAY)
    assert "1 revoked" in outcome.result
    assert town.col.contract.functions.isValid(token).call() is False


def test_without_smtp_there_is_no_mail_job(settings):
    from backend.civic import jobs as civic_jobs

    off = settings.model_copy(update={"smtp_url": None})
    assert [job.name for job in civic_jobs.periodic_jobs(off)] == ["civic.inactivity"]
