"""A campaign created twice by the same request (a double click, a retry after a lost answer) is sent once: the
outbox stores its transaction once per idempotency key (backend/api/idempotency.py)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from backend.db.models_campaigns import Campaign
from backend.db.models_outbox import OutboxTx
from tests.backend.campaigns.test_api import campaign_body, minters, town  # noqa: F401  (fixtures)
from tests.backend.localchain import ANVIL_KEYS


@pytest.fixture
def settings(settings, minters):  # noqa: F811
    settings.issuer_key = SecretStr(ANVIL_KEYS[0])  # the minters' admin
    settings.outbox_enabled = True
    return settings


def post(client, town, body, key=None):  # noqa: F811
    headers = {**town["staff"], **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/staff/municipalities/{town['mid']}/campaigns", headers=headers, json=body)


def created_on_chain(app) -> int:
    with app.state.services.session_factory() as db:
        return db.scalar(select(func.count()).select_from(OutboxTx).where(OutboxTx.purpose == "createCampaign"))


def campaigns_kept(app) -> int:
    with app.state.services.session_factory() as db:
        return db.scalar(select(func.count()).select_from(Campaign))


def test_the_same_idempotency_key_creates_one_campaign(client, app, town, chain_with_collection):  # noqa: F811
    body = campaign_body(chain_with_collection, name_en="Once")
    first = post(client, town, body, key="create-once-1")
    assert first.status_code == 201, first.text
    again = post(client, town, body, key="create-once-1")
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["onchain_id"], again.json()["tx_hash"]) == (
        first.json()["id"], first.json()["onchain_id"], first.json()["tx_hash"])
    assert created_on_chain(app) == 1 and campaigns_kept(app) == 1
    # Another key is another request: a second campaign.
    other = post(client, town, body, key="create-once-2")
    assert other.status_code == 201 and other.json()["onchain_id"] == first.json()["onchain_id"] + 1
    assert created_on_chain(app) == 2 and campaigns_kept(app) == 2


def test_without_a_key_the_same_fields_are_the_same_request(client, app, town, chain_with_collection):  # noqa: F811
    body = campaign_body(chain_with_collection, name_en="Twice clicked")
    first, again = post(client, town, body), post(client, town, body)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.json()["tx_hash"] == first.json()["tx_hash"]
    assert created_on_chain(app) == 1
    changed = post(client, town, {**body, "supply": 3})
    assert changed.status_code == 201 and changed.json()["id"] != first.json()["id"]
    assert created_on_chain(app) == 2 and campaigns_kept(app) == 2


def test_a_bad_idempotency_key_is_a_422(client, town, chain_with_collection):  # noqa: F811
    response = post(client, town, campaign_body(chain_with_collection), key="x" * 65)
    assert response.status_code == 422
