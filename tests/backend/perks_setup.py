"""A small indexed world for perk and venue tests: one municipality, one collection, cards, venues, perks.

Cards are written into the index tables directly (as the indexer would
leave them), so redeem rules can be tested without a chain; the end-to-end
tests (test_venue_api.py) go through anvil and the real indexer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import update

from backend.db import make_engine, migrate, session_factory
from backend.db.models_chain import Card, ChainCursor, Collection, Municipality
from backend.db.models_perks import Perk, PerkVenue, Venue, VenueAccount
from backend.venues.passes import PassSigner

CHAIN_ID = 31337
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SECRET = "test-pass-secret-0123456789abcdef"
HOLDERS = [f"0x{i:040x}" for i in range(1, 41)]


def checksum(address: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


@dataclass
class World:
    sessions: object
    engine: object
    signer: PassSigner
    collection_id: int = 0
    municipality_id: int = 0
    cave: int = 0  # venue ids
    cowork: int = 0
    perks: dict = field(default_factory=dict)  # name -> perk id
    cards: dict = field(default_factory=dict)  # token id -> card row id

    def owner(self, token_id: int) -> str:
        return checksum(HOLDERS[(token_id - 1) % len(HOLDERS)])

    def pass_for(self, perk: str, token_id: int = 1, owner: str | None = None, now: float | None = None) -> str:
        text, _ = self.signer.issue(contract=CONTRACT, token_id=token_id, owner=owner or self.owner(token_id),
                                    perk_id=self.perks[perk], now=now)
        return text

    def set_card(self, token_id: int, **values) -> None:
        with self.sessions() as s:
            s.execute(update(Card).where(Card.id == self.cards[token_id]).values(**values))
            s.commit()


def build_world(db_url: str, cards: int = 10, now: float | None = None) -> World:
    migrate(db_url)
    engine = make_engine(db_url)
    world = World(session_factory(engine), engine, PassSigner(SECRET, CHAIN_ID, ttl=120))
    now = int(time.time() if now is None else now)
    with world.sessions() as s:
        town = Municipality(slug="mine-city", name_ja="美祢市", name_en="Mine City")
        s.add(town)
        s.flush()
        col = Collection(municipality_id=town.id, chain_id=CHAIN_ID, address=CONTRACT, symbol="MINEDEMO",
                         name_ja="美祢市", name_en="Mine City", soulbound=True, deploy_block=1, indexed_block=10)
        s.add(col)
        s.flush()
        for token_id in range(1, cards + 1):
            card = Card(collection_id=col.id, token_id=token_id, owner=world.owner(token_id),
                        resident_number=token_id, tier=1 if token_id % 2 else 0, issued_at=now - 400 * 86400,
                        expires_at=0, locked=True, status="active", holding_since=now - 400 * 86400,
                        updated_block=5)
            s.add(card)
            s.flush()
            world.cards[token_id] = card.id
        s.add(ChainCursor(chain_id=CHAIN_ID, indexed_block=10, indexed_block_time=now, head_block=10,
                          synced_at=now))
        cave = Venue(municipality_id=town.id, name_ja="秋芳洞", name_en="Akiyoshi-do Cave")
        cowork = Venue(municipality_id=town.id, name_ja="コワーキングスペース", name_en="Coworking space")
        s.add_all([cave, cowork])
        s.flush()
        world.cave, world.cowork = cave.id, cowork.id
        specs = {
            "cave": dict(kind="venue_entry", limit_count=1, limit_period="day", venues=[cave.id]),
            "cave_premium": dict(kind="venue_entry", min_tier=1, limit_count=1, limit_period="day",
                                 venues=[cave.id]),
            "cowork": dict(kind="discount", limit_count=2, limit_period="year", venues=[cowork.id]),
            "both": dict(kind="discount", limit_count=None, limit_period="unlimited", venues=[cave.id, cowork.id]),
            "forum": dict(kind="online_access", limit_count=None, limit_period="unlimited", venues=[]),
        }
        for name, spec in specs.items():
            venues = spec.pop("venues")
            perk = Perk(collection_id=col.id, name_ja=f"{name}（特典）", name_en=f"{name} perk", description_ja="",
                        description_en="", min_tier=spec.pop("min_tier", 0), soulbound_only=False,
                        min_holding_days=0, active=True, **spec)
            s.add(perk)
            s.flush()
            s.add_all(PerkVenue(perk_id=perk.id, venue_id=v) for v in venues)
            world.perks[name] = perk.id
        world.collection_id, world.municipality_id = col.id, town.id
        s.commit()
    return world


def add_venue_account(world: World, venue_id: int, login: str, password: str) -> int:
    from backend.auth.secrets import hash_secret

    with world.sessions() as s:
        account = VenueAccount(venue_id=venue_id, login=login, password_hash=hash_secret(password))
        s.add(account)
        s.commit()
        return account.id


# --- helpers for the HTTP tests (app + anvil + indexer) ---------------------------------------------------
STAFF_PASSWORD = "staff-password-123"
VENUE_PASSWORD = "venue-password-123"


def staff_headers(client, app, username: str = "admin", municipality_id: int | None = None,
                  role: str | None = None) -> dict:
    """A staff session: a superuser (default), or an account with `role` in `municipality_id`."""
    from backend.auth.staff import create_staff, grant_role

    with app.state.services.session_factory() as db:
        account = create_staff(db, username, STAFF_PASSWORD, superuser=municipality_id is None)
        if municipality_id is not None:
            grant_role(db, account.id, municipality_id, role or "staff")
        db.commit()
    response = client.post("/staff/login", json={"login": username, "password": STAFF_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def municipality_id_of(app, collection) -> int:
    from sqlalchemy import select

    from backend.db.models_chain import Collection

    with app.state.services.session_factory() as db:
        return db.scalar(select(Collection.municipality_id).where(Collection.address == collection.address))


def collection_id_of(app, collection) -> int:
    from sqlalchemy import select

    from backend.db.models_chain import Collection

    with app.state.services.session_factory() as db:
        return db.scalar(select(Collection.id).where(Collection.address == collection.address))


def venue_headers(client, login: str, password: str = VENUE_PASSWORD) -> dict:
    response = client.post("/venue/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
