"""Revoke and re-issue through the transaction outbox: the action's row is the request, and its id the
transaction's idempotency key, so an action carried out again is still one transaction."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from backend.db.models_holders import CardAction
from backend.db.session import begin_immediate
from backend.db.models_outbox import OutboxTx
from backend.staff import card_actions
from tests.backend.localchain import ANVIL_KEYS
from tests.backend.staff.test_holders import find, follow, login, town  # noqa: F401  (town: a fixture)


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"issuer_key": SecretStr(ANVIL_KEYS[0]), "outbox_enabled": True})


def test_a_reissue_carried_out_again_is_one_transaction(client, app, town, sync_index):  # noqa: F811
    """A worker killed after sending, before recording it, leaves the action queued: carrying it out again
    finds the first transaction by the action's idempotency key instead of sending a second (which the burnt
    card would revert)."""
    services = app.state.services
    assert services.issuer.outbox is not None  # the outbox is on for this test (settings below)
    chain, col = town.chain, town.col
    lost, found = chain.new_holder(), chain.new_holder()
    token = col.issue(lost.address)
    sync_index()
    card_id = {c["token_id"]: c["card_id"] for c in find(client, town)["items"]}[token]
    editor = login(client, app, f"editor{town.mid}", town.mid, "staff")
    path = f"/staff/municipalities/{town.mid}/cards/{card_id}/reissue"
    r = client.post(path, headers=editor, json={"reason": "lost phone", "new_owner": found.address})
    assert r.status_code == 202, r.text
    first = follow(client, town, r.json()["id"])
    assert first["status"] == "mined", first
    # Submitted twice: the second is refused before anything is sent.
    twice = client.post(path, headers=editor, json={"reason": "lost phone", "new_owner": found.address})
    assert twice.status_code == 409
    with services.session_factory() as db:  # as a kill before the record would have left it
        begin_immediate(db)  # read, then write: the outbox loop writes too (SQLite)
        db.get(CardAction, first["id"]).status = "queued"
        db.commit()
    outcome = card_actions.carry_out(services.session_factory, services.issuer, services.settings.deployments_dir,
                                     first["id"])
    assert outcome == "mined"
    again = follow(client, town, first["id"])
    assert again["tx_hash"] == first["tx_hash"] and again["new_token_id"] == first["new_token_id"]
    with services.session_factory() as db:
        sent = db.scalars(select(OutboxTx).where(OutboxTx.purpose == "reissue")).all()
    assert [row.idempotency_key for row in sent] == [f"card-action:{first['id']}"]
    assert col.contract.functions.balanceOf(found.address).call() == 1
