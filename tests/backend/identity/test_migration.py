"""Migration 0008 carries vouchers signed before the one nullifier over: a voucher whose wallet was identity-
verified gets that person's nullifier (so the premium cap counts it); an unverified wallet's stays unknown."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from backend.db import alembic_config, make_engine

VERIFIED, UNVERIFIED = "0x" + "a1" * 20, "0x" + "b2" * 20
PERSON = "c3" * 32


def test_vouchers_signed_before_get_the_person_of_their_verified_wallet(db_url):
    config = alembic_config(db_url)
    command.upgrade(config, "0007_jobs")
    engine = make_engine(db_url)
    try:
        with engine.begin() as db:
            db.execute(text("INSERT INTO municipalities (id, slug, name_ja, name_en, created_at) "
                            "VALUES (1, 'kaga', '加賀市', 'Kaga City', 0)"))
            db.execute(text("INSERT INTO collections (id, municipality_id, chain_id, address, symbol, name_ja, "
                            "name_en, soulbound, deploy_block, indexed_block) VALUES (1, 1, 31337, :a, 'RKAGA', "
                            "'加賀市', 'Kaga', :t, 1, 1)"), {"a": "0x" + "11" * 20, "t": True})
            db.execute(text("INSERT INTO campaigns (id, municipality_id, collection_id, minter, onchain_id, name_ja, "
                            "name_en, mode, tx_hash, created_at) VALUES (1, 1, 1, :m, 1, '募集', 'Drive', "
                            "'voucher', :h, 0)"), {"m": "0x" + "22" * 20, "h": "0x" + "33" * 32})
            db.execute(text("INSERT INTO identities (nullifier, provider, level, is_minor, verified_at) "
                            "VALUES (:n, 'xid', 'mynumber_card', :f, 0)"), {"n": PERSON, "f": False})
            db.execute(text("INSERT INTO identity_wallets (address, nullifier, bound_at) VALUES (:a, :n, 0)"),
                       {"a": VERIFIED, "n": PERSON})
            for voucher_id, recipient in ((1, VERIFIED), (2, UNVERIFIED)):
                db.execute(text("INSERT INTO campaign_vouchers (id, campaign_id, recipient, document, deadline, "
                                "created_at) VALUES (:i, 1, :r, '{}', 0, 0)"), {"i": voucher_id, "r": recipient})
        command.upgrade(config, "0008_person_nullifiers")
        with engine.connect() as db:
            rows = db.execute(text("SELECT recipient, nullifier FROM campaign_vouchers ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(VERIFIED, PERSON), (UNVERIFIED, None)]
        command.downgrade(config, "0007_jobs")
        with engine.connect() as db:
            assert db.execute(text("SELECT count(*) FROM campaign_vouchers")).scalar() == 2
    finally:
        engine.dispose()
