"""Helpers for residency tests: four towns and a prefecture on a real anvil chain, holders who sign in,
verify their identity with the development provider (real ES256K signatures), scan rotating QR codes.

Use in a test module:

    from tests.backend.residency_setup import *  # noqa: F401,F403  (fixtures `towns`, `settings` and the helpers)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests.backend.access_setup import bearer, sign_in
from backend.db.models_chain import Collection
from backend.perks.rules import japan_date
from backend.settings import Settings
from tests.backend.localchain import ANVIL_KEYS, LocalChain
from tests.backend.perks_setup import staff_headers

TOWNS = [  # (symbol, name_ja, name_en)
    ("RMINE", "美祢市", "Mine City"),
    ("RKAGA", "加賀市", "Kaga City"),
    ("RYAMAKOSHI", "山古志村", "Yamakoshi Village"),
    ("RNISHIKAWA", "西川町", "Nishikawa Town"),
]
PREFECTURE = ("RYAMAGUCHI", "山口県", "Yamaguchi Prefecture")


@dataclass
class Towns:
    chain: LocalChain
    cities: list  # DeployedCollection, in TOWNS order
    prefecture: object


@pytest.fixture(scope="session")
def towns(anvil, tmp_path_factory):
    chain = LocalChain(anvil.url, tmp_path_factory.mktemp("residency-chain"))
    cities = [chain.deploy(symbol, soulbound=True, max_cards_per_wallet=1, name_ja=ja, name_en=en)
              for symbol, ja, en in TOWNS]
    symbol, ja, en = PREFECTURE
    prefecture = chain.deploy(symbol, soulbound=True, max_cards_per_wallet=1, name_ja=ja, name_en=en)
    return Towns(chain, cities, prefecture)


@pytest.fixture
def settings(db_url, towns, anvil):
    """The app of these tests follows the residency chain's collections and holds the issuer key."""
    return Settings(_env_file=None, environment="test", rpc_url=anvil.url, chain_id=31337,
                    data_dir=towns.chain.data_dir, database_url=db_url, poll_interval=0.05, stale_after=5.0,
                    issuer_key=ANVIL_KEYS[0])


def today() -> str:
    return japan_date(time.time())


def day_offset(days: int) -> str:
    return japan_date(time.time() + days * 86_400)


def ids_of(app, collection) -> tuple[int, int]:
    """(municipality id, collection id) of a deployed collection, once the index has registered it."""
    for attempt in range(2):
        with app.state.services.session_factory() as db:
            row = db.execute(select(Collection.municipality_id, Collection.id)
                             .where(Collection.address == collection.address)).first()
        if row is not None:
            return row.municipality_id, row.id
        app.state.services.indexer.catch_up(30.0)  # registers the deployment records it has not seen yet
    raise AssertionError(f"{collection.record.symbol} is not registered")


class Holder:
    """A wallet signed in through EIP-4361, with helpers for the residency API."""

    def __init__(self, client, app, chain: LocalChain) -> None:
        self.client, self.app, self.chain = client, app, chain
        self.account = chain.new_holder()
        response = sign_in(client, self.account)
        assert response.status_code == 200, response.text
        self.headers = bearer(response.json()["token"])

    @property
    def address(self) -> str:
        return self.account.address

    def nonce(self, purpose: str = "identity") -> dict:
        response = self.client.post("/me/identity/nonce", json={"purpose": purpose}, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def assertion(self, subject: str, birthdate: str = "1990-04-01", nonce: str | None = None) -> str:
        nonce = nonce or self.nonce()["nonce"]
        response = self.client.post("/dev/identity/assertion",
                                    json={"nonce": nonce, "subject": subject, "birthdate": birthdate})
        assert response.status_code == 200, response.text
        return response.json()["assertion"]

    def verify(self, subject: str, birthdate: str = "1990-04-01"):
        return self.client.post("/me/identity", json={"assertion": self.assertion(subject, birthdate)},
                                headers=self.headers)

    def consent(self, subject: str, guardian: str):
        nonce = self.nonce("guardian_consent")["nonce"]
        token = self.client.post("/dev/identity/consent", json={"nonce": nonce, "subject": subject,
                                                                "guardian_subject": guardian}).json()["assertion"]
        return self.client.post("/me/identity/guardian-consent", json={"assertion": token}, headers=self.headers)

    def scan(self, activity_id: int, now: float | None = None, **extra):
        token = self.app.state.services.activity_codes.current(activity_id, now).token
        return self.client.post("/me/checkins", json={"token": token, **extra}, headers=self.headers)

    def progress(self) -> list[dict]:
        response = self.client.get("/me/residency", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()


class Staff:
    """A superuser staff session with helpers for activities and programmes."""

    def __init__(self, client, app, username: str = "admin") -> None:
        self.client = client
        self.headers = staff_headers(client, app, username)

    def activity(self, municipality_id: int, days: list[str] | None = None, title: str = "清掃活動") -> int:
        response = self.client.post(f"/staff/municipalities/{municipality_id}/activities", headers=self.headers,
                                    json={"title_ja": title, "title_en": "Clean-up", "days": days or [today()],
                                          "place": "公民館", "organiser": "自治会"})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def programme(self, municipality_id: int, **values) -> dict:
        response = self.client.put(f"/staff/municipalities/{municipality_id}/residency", json=values,
                                   headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()


    def link_prefecture(self, city_id: int, prefecture_id: int) -> dict:
        """The city's request and the prefecture's approval (a superuser stands for both)."""
        response = self.client.post(f"/staff/municipalities/{city_id}/prefecture-links", headers=self.headers,
                                    json={"prefecture_id": prefecture_id})
        assert response.status_code == 201, response.text
        approved = self.client.post(f"/staff/prefecture-links/{response.json()['id']}/approve", headers=self.headers)
        assert approved.status_code == 200, approved.text
        return approved.json()


def issue_card(collection, holder: Holder, sync_index, tier: int = 0) -> int:
    token_id = collection.issue(holder.address, tier)
    sync_index()
    return token_id
