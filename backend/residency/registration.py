"""Registering with a municipality: the backend issues its basic card, and its prefecture's too.

MIC: registering with a city also registers the person with its prefecture unless they opt out
(市区町村に登録した場合、都道府県にも同時登録), where the prefecture agreed to the link
(backend/residency/prefecture_links.py). A person (their nullifier, backend/identity/nullifier.py: the
same one vouchers carry) registers once per municipality: UNIQUE(nullifier, municipality) in `registrations`.

Each card is one transaction. A registration row is written (and committed) before its transaction and
completed after it; if the transaction fails the row is removed, so registering again resumes: a city
already done is skipped and only the missing prefecture card is issued. The prefecture's card is issued only
once the city's card is there: a prefecture card beside a failed city registration would be a card the
person never asked for on its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from backend.cards import cards_of_owner
from backend.db.models_chain import Municipality
from backend.db.models_residency import Registration
from backend.db.session import begin_immediate
from backend.errors import Refusal
from backend.messages import Texts
from backend.chain.issuer import Issuer
from backend.identity.verifier import IdentityError, identity_of
from backend.chain.events import issued_token_ids
from backend.residency.onchain import contract_or_refuse, send_or_refuse
from backend.residency.prefecture_links import linked_prefecture
from backend.residency.programme import collection_of, programme_of


@dataclass
class Registered:
    municipality_id: int
    name_ja: str
    name_en: str
    via: str  # direct | prefecture_of_city
    collection_id: int | None  # None: the municipality has no collection
    token_id: int | None
    tx_hash: str | None
    outcome: str  # issued | already_registered | already_holder | failed | not_attempted
    error: dict | None = None

    @property
    def carded(self) -> bool:
        """The person holds (or was just sent) this municipality's card; an unfinished registration is not."""
        return self.outcome in ("issued", "already_holder") or (
            self.outcome == "already_registered" and (self.token_id is not None or self.tx_hash is not None))


def _prefecture_of(db, municipality_id: int, prefecture_opt_out: bool) -> int | None:
    if db.get(Municipality, municipality_id) is None:
        raise Refusal("municipality_not_found", municipality_id=municipality_id)
    return None if prefecture_opt_out else linked_prefecture(db, municipality_id)


def register(sessions: sessionmaker, issuer: Issuer, settings, holder: str, municipality_id: int,
             prefecture_opt_out: bool = False, now: float | None = None) -> list[Registered]:
    """Registers the signed-in, identity-verified holder with the municipality (and its prefecture unless
    opted out); returns what happened for each. Raises, with the same report, when nothing was done."""
    now = time.time() if now is None else now
    holder = to_checksum_address(holder)
    with sessions() as db:
        identity = identity_of(db, holder)
        if identity is None:
            raise IdentityError("identity_required")
        nullifier = identity.nullifier
        prefecture_id = _prefecture_of(db, municipality_id, prefecture_opt_out)
    city = _register_one(sessions, issuer, settings, holder, nullifier, municipality_id, "direct", None,
                         prefecture_opt_out, now)
    results = [city]
    if prefecture_id is not None:
        if city.carded:
            results.append(_register_one(sessions, issuer, settings, holder, nullifier, prefecture_id,
                                         "prefecture_of_city", municipality_id, prefecture_opt_out, now))
        else:
            with sessions() as db:
                results.append(_not_attempted(db, prefecture_id, city))
    if not any(r.outcome in ("issued", "already_holder") for r in results):
        report = [r.__dict__ for r in results]
        failed = next((r for r in results if r.outcome == "failed"), None)
        if failed is not None:
            raise Refusal.again(failed.error, registrations=report)
        raise Refusal("already_registered", registrations=report)
    return results


def _not_attempted(db, prefecture_id: int, city: Registered) -> Registered:
    prefecture = db.get(Municipality, prefecture_id)
    collection = collection_of(db, prefecture_id)
    error = Refusal("city_card_first", city=Texts(ja=city.name_ja, en=city.name_en),
                    prefecture=Texts(ja=prefecture.name_ja, en=prefecture.name_en)).said()
    return Registered(municipality_id=prefecture_id, name_ja=prefecture.name_ja, name_en=prefecture.name_en,
                      via="prefecture_of_city", collection_id=collection.id if collection else None, token_id=None,
                      tx_hash=None, outcome="not_attempted", error=error)


def _register_one(sessions, issuer, settings, holder, nullifier, municipality_id, via, city_id, opt_out,
                  now) -> Registered:
    with sessions() as db:
        begin_immediate(db)
        municipality = db.get(Municipality, municipality_id)
        collection = collection_of(db, municipality_id)
        base = dict(municipality_id=municipality_id, name_ja=municipality.name_ja, name_en=municipality.name_en,
                    via=via)
        if collection is None:
            return Registered(**base, collection_id=None, token_id=None, tx_hash=None, outcome="failed",
                              error=Refusal("no_collection", town=Texts(ja=municipality.name_ja,
                                                                        en=municipality.name_en)).said())
        base["collection_id"] = collection.id
        existing = db.scalar(select(Registration).where(Registration.nullifier == nullifier,
                                                        Registration.municipality_id == municipality_id))
        if existing is not None:
            return Registered(**base, token_id=existing.token_id, tx_hash=existing.tx_hash,
                              outcome="already_registered")
        held = [c for c in cards_of_owner(db, holder, collection_id=collection.id) if c.valid_now(now)]
        row = Registration(nullifier=nullifier, municipality_id=municipality_id, holder=holder,
                           collection_id=collection.id, token_id=held[0].token_id if held else None, via=via,
                           city_id=city_id, prefecture_opt_out=opt_out if via == "direct" else False,
                           created_at=int(now))
        db.add(row)
        try:
            db.commit()
        except IntegrityError:  # the same person registering at this moment from another wallet
            db.rollback()
            return Registered(**base, token_id=None, tx_hash=None, outcome="already_registered")
        if held:
            return Registered(**base, token_id=held[0].token_id, tx_hash=None, outcome="already_holder")
        row_id = row.id
        contract = contract_or_refuse(issuer, collection, settings.deployments_dir)
        basic = programme_of(db, municipality_id).basic_tier
    try:
        sent = send_or_refuse(issuer, contract.functions.issue(holder, basic, 0))
    except Refusal as exc:
        with sessions() as db:
            begin_immediate(db)
            db.delete(db.get(Registration, row_id))
            db.commit()
        return Registered(**base, token_id=None, tx_hash=None, outcome="failed",
                          error=exc.said())
    token_ids = issued_token_ids(sent.logs, contract.address)
    with sessions() as db:
        begin_immediate(db)
        row = db.get(Registration, row_id)
        row.token_id, row.tx_hash = (token_ids[0] if token_ids else None), sent.tx_hash
        db.commit()
    return Registered(**base, token_id=token_ids[0] if token_ids else None, tx_hash=sent.tx_hash, outcome="issued")


def registrations_of(db, nullifier: str) -> list[Registration]:
    return list(db.scalars(select(Registration).where(Registration.nullifier == nullifier)
                           .order_by(Registration.id)))
