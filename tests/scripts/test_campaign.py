"""scripts/campaign.py against a real chain: minter deployment, campaigns from YAML, allowlist proofs, vouchers."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from brownie import ResidentMinter, accounts, chain, web3
from eth_account import Account
from eth_utils import keccak

from backend.campaigns import vouchers
from backend.chain.deployments import MinterRecord, load_collection_config, minter_record_path
from backend.identity.nullifier import nullifier, onchain_nullifier
from backend.identity.verifier import DEV_ISSUER
from scripts import campaign as campaign_script
from scripts import demo, deploy

JST = timezone(timedelta(hours=9))
CAMPAIGN_PRICE = 2**256 - 1


@pytest.fixture
def collection(data_dir):
    contract, _, _ = deploy.ensure_collection(load_collection_config(demo.DEMO_CONFIG), accounts[0])
    return contract


def write_campaign(folder, name="spring", allowlist_rows=None, **fields):
    """Writes a campaign YAML (open now, for 30 days) and its allowlist CSV; returns the YAML's path."""
    now = datetime.fromtimestamp(chain.time(), JST)
    values = {
        "collection": "MINEDEMO",
        "name": name,
        "start": (now - timedelta(minutes=5)).isoformat(timespec="seconds"),
        "end": (now + timedelta(days=30)).isoformat(timespec="seconds"),
        "price": '"0"',
        "supply": 100,
        "per_wallet": 1,
        "tier": 0,
        "validity_days": 365,
        "voucher": "false",
    }
    values.update(fields)
    if allowlist_rows is not None:
        csv = folder / f"{name}.csv"
        csv.write_text("address,price,limit\n" + "".join(f"{a},{p},{l}\n" for a, p, l in allowlist_rows),
                       encoding="utf-8")
        values["allowlist"] = csv.name
    path = folder / f"{name}.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in values.items()), encoding="utf-8")
    return path


def test_first_campaign_deploys_and_records_the_minter(collection, data_dir, tmp_path):
    campaign_id = campaign_script.create(write_campaign(tmp_path), accounts[0])
    record = MinterRecord.read(minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()))
    assert minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()).is_relative_to(data_dir)
    assert record.collection == collection.address
    assert record.campaigns["spring"]["id"] == campaign_id == 1
    minter = ResidentMinter.at(record.address)
    assert minter.card() == collection
    assert collection.hasRole(collection.ISSUER_ROLE(), minter)
    minter.claim(1, 1, [], CAMPAIGN_PRICE, 0, {"from": accounts[1]})
    assert collection.balanceOf(accounts[1]) == 1


def test_campaign_settings_follow_the_yaml(collection, tmp_path):
    path = write_campaign(tmp_path, price='"0.015"', supply=250, per_wallet=1, tier=1, validity_days=30)
    campaign_id = campaign_script.create(path, accounts[0])
    minter, _, deployed_now = campaign_script.ensure_minter("MINEDEMO", accounts[0])
    assert deployed_now is False
    settings, claimed, closed = minter.campaign(campaign_id)
    assert settings["price"] == 15 * 10**15
    assert (settings["supply"], settings["maxPerWallet"], settings["tier"]) == (250, 1, 1)
    assert settings["validFor"] == 30 * 86_400
    assert settings["end"] - settings["start"] == 30 * 86_400 + 300
    assert (claimed, closed, settings["voucher"]) == (0, False, False)


def test_second_campaign_reuses_the_minter(collection, tmp_path):
    campaign_script.create(write_campaign(tmp_path, name="first"), accounts[0])
    campaign_script.create(write_campaign(tmp_path, name="second"), accounts[0])
    record = MinterRecord.read(minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()))
    assert [entry["id"] for entry in record.campaigns.values()] == [1, 2]
    assert ResidentMinter.at(record.address).campaignCount() == 2


def test_creating_the_same_campaign_twice_is_refused(collection, tmp_path):
    path = write_campaign(tmp_path)
    campaign_script.create(path, accounts[0])
    with pytest.raises(campaign_script.CampaignError, match="already exists as #1: use update"):
        campaign_script.create(path, accounts[0])


def test_allowlist_proofs_files_let_listed_wallets_claim(collection, data_dir, tmp_path):
    rows = [(accounts[1].address, "", ""), (accounts[2].address, "0", "2"), (accounts[3].address, "0.01", "")]
    campaign_id = campaign_script.create(write_campaign(tmp_path, allowlist_rows=rows, price='"0.02"'), accounts[0])
    record = MinterRecord.read(minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()))
    minter = ResidentMinter.at(record.address)
    folder = data_dir / "campaigns" / str(web3.eth.chain_id) / "MINEDEMO" / "spring"
    assert record.campaigns["spring"]["proofs"] == str(folder)
    assert minter.campaign(campaign_id)[0]["allowlistRoot"] == record.campaigns["spring"]["root"]
    for wallet, pay in ((accounts[1], 2 * 10**16), (accounts[2], 0), (accounts[3], 10**16)):
        proof = json.loads((folder / f"{wallet.address}.json").read_text(encoding="utf-8"))
        _, price, limit = proof["value"]
        minter.claim(campaign_id, 1, proof["proof"], int(price), int(limit), {"from": wallet, "value": pay})
        assert collection.balanceOf(wallet) == 1
    assert minter.balance() == 3 * 10**16
    with pytest.raises(Exception, match="ResidentMinterInvalidProof"):
        minter.claim(campaign_id, 1, [], CAMPAIGN_PRICE, 0, {"from": accounts[4], "value": 2 * 10**16})


def test_update_changes_settings_and_allowlist(collection, tmp_path):
    path = write_campaign(tmp_path, allowlist_rows=[(accounts[1].address, "", "")])
    campaign_id = campaign_script.create(path, accounts[0])
    record = MinterRecord.read(minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()))
    old_root = record.campaigns["spring"]["root"]
    path = write_campaign(tmp_path, allowlist_rows=[(accounts[2].address, "", "")], supply=7)
    assert campaign_script.update(path, accounts[0]) == campaign_id
    minter = ResidentMinter.at(record.address)
    settings = minter.campaign(campaign_id)[0]
    assert settings["supply"] == 7
    new_root = MinterRecord.read(minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root())).campaigns["spring"]["root"]
    assert new_root != old_root
    assert settings["allowlistRoot"] == new_root


def test_close_ends_the_campaign(collection, tmp_path):
    path = write_campaign(tmp_path)
    campaign_id = campaign_script.create(path, accounts[0])
    assert campaign_script.close(path, accounts[0]) == campaign_id
    minter, _, _ = campaign_script.ensure_minter("MINEDEMO", accounts[0])
    assert minter.campaign(campaign_id)[2] is True
    assert list(minter.activeCampaignIds()) == []


def test_update_or_close_of_an_unknown_campaign_is_refused(collection, tmp_path):
    path = write_campaign(tmp_path, name="never")
    with pytest.raises(campaign_script.CampaignError, match="never created"):
        campaign_script.update(path, accounts[0])
    with pytest.raises(campaign_script.CampaignError, match="never created"):
        campaign_script.close(path, accounts[0])


def test_voucher_campaign_gives_one_card_per_person(collection, tmp_path):
    campaign_id = campaign_script.create(write_campaign(tmp_path, voucher="true"), accounts[0])
    minter, _, _ = campaign_script.ensure_minter("MINEDEMO", accounts[0])
    domain = vouchers.domain_of(minter)
    secret = "dev-only-identity-secret-of-this-test"
    issuer_key = Account.from_key(keccak(text="municipality issuer key"))
    minter.grantRole(minter.VOUCHER_SIGNER_ROLE(), issuer_key.address, {"from": accounts[0]})

    def voucher_for(wallet, identity):
        v = vouchers.Voucher(wallet.address, campaign_id, 0, chain.time() + 365 * 86_400,
                             onchain_nullifier(nullifier(secret, DEV_ISSUER, identity), chain.id, collection.address), 0, chain.time() + 3600)
        return v, vouchers.sign_voucher(domain, v, issuer_key.key)

    v, signature = voucher_for(accounts[1], "KAGA-0001")
    minter.claimWithVoucher(v.as_tuple(), signature, {"from": accounts[1]})
    v, signature = voucher_for(accounts[2], "KAGA-0001")
    with pytest.raises(Exception, match="ResidentMinterNullifierUsed"):
        minter.claimWithVoucher(v.as_tuple(), signature, {"from": accounts[2]})
    assert collection.balanceOf(accounts[1]) == 1
    assert collection.balanceOf(accounts[2]) == 0


def test_campaign_for_an_undeployed_collection_is_refused(data_dir, tmp_path):
    with pytest.raises(campaign_script.CampaignError, match="deploy it first"):
        campaign_script.create(write_campaign(tmp_path), accounts[0])


def test_recorded_minter_without_code_is_replaced(collection, tmp_path):
    campaign_script.create(write_campaign(tmp_path), accounts[0])
    path = minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root())
    record = MinterRecord.read(path)
    first = ResidentMinter.at(record.address)
    record.address = "0x000000000000000000000000000000000000dEaD"
    record.write(path)
    minter, new_record, deployed_now = campaign_script.ensure_minter("MINEDEMO", accounts[0])
    assert deployed_now is True
    assert new_record.campaigns == {}
    assert collection.hasRole(collection.ISSUER_ROLE(), minter)
    # The move is one transaction: the first minter lost ISSUER_ROLE, and its nullifiers stay used.
    assert collection.minter() == minter and not collection.hasRole(collection.ISSUER_ROLE(), first)
    assert minter.predecessor() == first
    with pytest.raises(Exception, match="AccessControlUnauthorizedAccount"):
        first.claim(1, 1, [], CAMPAIGN_PRICE, 0, {"from": accounts[1]})


def test_a_minter_set_by_hand_without_code_is_no_predecessor(collection, tmp_path):
    collection.setMinter(accounts[5], {"from": accounts[0]})
    minter, _, deployed_now = campaign_script.ensure_minter("MINEDEMO", accounts[0])
    assert deployed_now is True
    assert minter.predecessor() == "0x0000000000000000000000000000000000000000"
    assert collection.minter() == minter and not collection.hasRole(collection.ISSUER_ROLE(), accounts[5])


def test_main_reports_problems_and_refuses_unknown_actions(collection, tmp_path):
    with pytest.raises(SystemExit, match="create"):
        campaign_script.main("delete", str(write_campaign(tmp_path)))
    bad = tmp_path / "bad.yaml"
    bad.write_text("collection: MINEDEMO\nname: x\nstart: 2026-12-01T10:00:00\nsupply: 0\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="タイムゾーン") as failure:
        campaign_script.main("create", str(bad))
    assert "supply" in str(failure.value) and "end" in str(failure.value)
    assert campaign_script.main("create", str(write_campaign(tmp_path))) == 1


# --- one campaign world: the script's campaigns in the backend's database ------------------------------------
@pytest.fixture
def backend(data_dir):
    """The backend on this chain and data directory (its database is the one the script recorded in), with a
    staff session and the issuer key the console sends with: anvil account 0, the script's deployer."""
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from backend.app import create_app
    from backend.settings import Settings
    from tests.backend.localchain import ANVIL_KEYS
    from tests.backend.perks_setup import staff_headers

    settings = Settings(_env_file=None, environment="test", rpc_url=web3.provider.endpoint_uri,
                        chain_id=web3.eth.chain_id, data_dir=data_dir, issuer_key=SecretStr(ANVIL_KEYS[0]),
                        poll_interval=0.05, jobs_enabled=False)
    app = create_app(settings)
    with TestClient(app, headers={"Origin": "http://testserver"}) as client:
        client.staff = staff_headers(client, app)
        yield client


def staff_campaigns(client) -> list[dict]:
    towns = client.get("/staff/municipalities", headers=client.staff).json()
    [town] = [t for t in towns if t["name_en"] == "Mine City"]
    client.town = town["id"]
    return client.get(f"/staff/municipalities/{town['id']}/campaigns", headers=client.staff).json()


def holder_claim(client, index: int, campaign: dict) -> dict:
    from tests.backend.access_setup import bearer, sign_in
    from tests.backend.localchain import ANVIL_KEYS

    client.cookies.clear()
    signed_in = sign_in(client, Account.from_key(ANVIL_KEYS[index]))
    assert signed_in.status_code == 200, signed_in.text
    return client.get(f"/me/campaigns/{campaign['id']}/claim", headers=bearer(signed_in.json()["token"])).json()


def test_a_script_campaign_shows_to_staff_and_holders_under_its_onchain_number(collection, backend, tmp_path,
                                                                               capsys):
    """Before, the script's campaign was only on chain and in its JSON record: the console and the holder page
    listed nothing. Now it is in the backend's database, with its allowlist, under the on-chain id."""
    campaign_script.create(write_campaign(tmp_path, name="warmup"), accounts[0])  # on-chain #1
    path = write_campaign(tmp_path, name="spring", name_ja="春の住民募集", name_en="Spring residents",
                          allowlist_rows=[(accounts[1].address, "", "")])
    assert campaign_script.main("create", str(path)) == 2
    assert "campaign #2" in capsys.readouterr().out  # what the console and the holder page say too

    listed = {c["name_en"]: c for c in staff_campaigns(backend)}
    spring = listed["Spring residents"]
    assert (spring["onchain_id"], spring["name_ja"], spring["mode"], spring["status"]) == (2, "春の住民募集",
                                                                                          "allowlist", "open")
    assert listed["warmup"]["onchain_id"] == 1  # no name_ja/name_en in its file: its name
    made = backend.get(f"/staff/municipalities/{backend.town}/audit", headers=backend.staff,
                       params={"object_type": "campaigns", "action": "create"}).json()["events"]
    assert {(e["actor_kind"], e["actor_name"], e["object_id"]) for e in made} == {
        ("system", "scripts/campaign.py", str(c["id"])) for c in listed.values()}
    record = MinterRecord.read(minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()))
    assert spring["minter"] == record.address and spring["tx_hash"] == record.campaigns["spring"]["tx"]
    allowlists = backend.get(f"/staff/municipalities/{backend.town}/allowlists", headers=backend.staff).json()
    assert [(a["id"], a["root"], a["count"]) for a in allowlists] == [
        (spring["allowlist_id"], record.campaigns["spring"]["root"], 1)]

    public = {c["id"]: c for c in backend.get("/campaigns").json()}
    assert public[spring["id"]]["onchain_id"] == 2 and public[spring["id"]]["name_en"] == "Spring residents"
    offer = holder_claim(backend, 1, spring)
    assert offer["eligible"] is True, offer
    minter = ResidentMinter.at(record.address)
    assert offer["tx"]["to"] == minter.address
    assert minter.decode_input(offer["tx"]["data"])[1][0] == 2  # claim(2, ...): the on-chain campaign
    assert holder_claim(backend, 2, spring)["code"] == "not_on_allowlist"


def test_a_console_campaign_after_script_ones_gets_the_next_onchain_number(collection, backend, tmp_path):
    """The 1-vs-3 probe: after two script campaigns the console's first campaign is number 3 on chain; the
    console called it 1 (its database row) and listed only it."""
    campaign_script.create(write_campaign(tmp_path, name="first"), accounts[0])
    campaign_script.create(write_campaign(tmp_path, name="second"), accounts[0])
    staff_campaigns(backend)
    now = chain.time()
    created = backend.post(f"/staff/municipalities/{backend.town}/campaigns", headers=backend.staff, json={
        "collection": "MINEDEMO", "name_ja": "窓口の募集", "name_en": "Counter drive", "starts_at": now - 60,
        "ends_at": now + 3600, "supply": 5})
    assert created.status_code == 201, created.text
    assert created.json()["onchain_id"] == 3 == ResidentMinter.at(created.json()["minter"]).campaignCount()
    assert [(c["onchain_id"], c["name_en"]) for c in staff_campaigns(backend)] == [
        (3, "Counter drive"), (2, "second"), (1, "first")]


def test_update_and_close_record_a_campaign_the_database_did_not_have(collection, backend, tmp_path, monkeypatch):
    """A campaign made before the script recorded campaigns (or while the database was out of reach) is
    recorded by its next update, which also follows a new allowlist; close keeps it, closed."""
    skipped = []
    with monkeypatch.context() as patch:  # the script as it was: nothing recorded
        patch.setattr(campaign_script, "keep_campaign", lambda session, **kw: skipped.append(kw["onchain_id"]))
        campaign_script.create(write_campaign(tmp_path, allowlist_rows=[(accounts[1].address, "", "")]), accounts[0])
    assert skipped == [1] and staff_campaigns(backend) == []

    path = write_campaign(tmp_path, allowlist_rows=[(accounts[2].address, "", "")], name_en="Spring, renamed")
    campaign_script.update(path, accounts[0])
    [spring] = staff_campaigns(backend)
    assert (spring["onchain_id"], spring["name_en"], spring["mode"]) == (1, "Spring, renamed", "allowlist")
    assert holder_claim(backend, 2, spring)["eligible"] is True
    assert holder_claim(backend, 1, spring)["code"] == "not_on_allowlist"
    campaign_script.close(path, accounts[0])
    assert [(c["onchain_id"], c["status"]) for c in staff_campaigns(backend)] == [(1, "closed")]
    allowlists = backend.get(f"/staff/municipalities/{backend.town}/allowlists", headers=backend.staff).json()
    assert len(allowlists) == 1  # close read the same list again: not stored twice


def test_a_backend_on_another_chain_is_not_written_to(collection, data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RESIDENT_CHAIN_ID", "1")
    campaign_script.create(write_campaign(tmp_path), accounts[0])
    assert "follows chain 1" in capsys.readouterr().out
    import sqlite3

    with sqlite3.connect(data_dir / "resident.db") as db:
        assert db.execute("select count(*) from campaigns").fetchone() == (0,)


def test_an_unreachable_database_is_said_plainly_after_the_chain(collection, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RESIDENT_DATABASE_URL", "postgresql://resident@127.0.0.1:9/resident")  # nothing listens
    with pytest.raises(SystemExit, match=r"(?s)campaign #1 is on chain, but the database .* run `update`") as failure:
        campaign_script.main("create", str(write_campaign(tmp_path)))
    assert "update を実行してください" in str(failure.value)
    record = MinterRecord.read(minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root()))
    assert record.campaigns["spring"]["id"] == 1  # `update` finds it


def test_a_minter_record_of_another_chain_is_refused_as_such_not_as_already_created(collection, tmp_path):
    # The issue's run: a campaign created on another chain with the same id (whatever listened on 8545) left its
    # name in the record; on the stack's own chain `create` answered "already exists".
    yaml = write_campaign(tmp_path)
    campaign_script.create(yaml, accounts[0])
    path = minter_record_path(web3.eth.chain_id, "MINEDEMO", deploy.records_root())
    record = MinterRecord.read(path)
    assert record.genesis_hash == web3.to_hex(web3.eth.get_block(0)["hash"])
    record.genesis_hash = "0x" + "22" * 32
    record.write(path)
    with pytest.raises(SystemExit) as refused:
        campaign_script.main("create", str(yaml))
    assert "another chain with the same chain id" in str(refused.value) and "already" not in str(refused.value)
    assert "別のチェーン" in str(refused.value)
