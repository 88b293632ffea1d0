"""backend/campaigns/scripted.py on SQLite and PostgreSQL: what scripts/campaign.py keeps of its campaigns (the
script itself runs on a real chain in tests/scripts/test_campaign.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.campaigns.scripted import keep_campaign
from backend.campaigns.service import campaigns_of, record_campaign
from backend.campaigns.store import read_allowlist_upload
from backend.chain.deployments import DeploymentRecord
from backend.db.models_campaigns import Allowlist, AllowlistEntry, Campaign

CARD = DeploymentRecord(network="test", chain_id=31337, contract="ResidentCard",
                        address="0x5fbdb2315678afecb367f032d93f642f64180aa3", deployment_block=1,
                        deployment_tx="0x" + "11" * 32, symbol="MINEDEMO", municipality_name_ja="美祢市",
                        municipality_name_en="Mine City", soulbound=True, abi=[])
MINTER = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def keep(session, onchain_id: int, allowlist=None, **names):
    names = {"name_ja": "春の募集", "name_en": "Spring drive", **names}
    return keep_campaign(session, card=CARD, card_path=None, minter=MINTER.lower(), onchain_id=onchain_id,
                         tx_hash="0x" + "22" * 32, mode="allowlist" if allowlist else "open", allowlist=allowlist,
                         **names)


def test_a_kept_campaign_is_the_municipalitys_like_a_console_one_and_is_kept_once(db_sessions):
    listed = ("spring.csv", *read_allowlist_upload(f"address\r\n{WALLET}\r\n".encode(), "spring.csv"))
    with db_sessions() as session:
        first = keep(session, 1, listed)
        console = record_campaign(session, municipality_id=first.municipality_id, collection_id=first.collection_id,
                                  minter=MINTER, onchain_id=2, name_ja="窓口", name_en="Counter", mode="open",
                                  allowlist_id=None, tx_hash="0x" + "33" * 32, staff_id=1)
        again = keep(session, 1, listed, name_en="Spring drive, renamed")  # an update: the same row
        session.commit()
        assert again.id == first.id and first.minter == MINTER  # stored checksummed, as the console stores it
        assert [(c.onchain_id, c.name_en, c.created_by) for c in campaigns_of(session, first.municipality_id)] == [
            (2, "Counter", 1), (1, "Spring drive, renamed", None)]
        assert session.scalar(select(func.count()).select_from(Allowlist)) == 1  # not stored twice
        entry = session.scalar(select(AllowlistEntry).where(AllowlistEntry.allowlist_id == first.allowlist_id))
        assert entry.address == WALLET and entry.proof == []  # a one-wallet tree: the leaf is the root
        assert console.id != first.id


def test_a_campaign_kept_without_its_list_has_none(db_sessions):
    with db_sessions() as session:
        listed = ("a.csv", *read_allowlist_upload(f"address\r\n{WALLET}\r\n".encode(), "a.csv"))
        keep(session, 4, listed)
        kept = keep(session, 4)
        session.commit()
        assert (kept.mode, kept.allowlist_id) == ("open", None)
        assert session.scalar(select(func.count()).select_from(Campaign)) == 1
