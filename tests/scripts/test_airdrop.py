"""scripts/airdrop.py against a real chain: batches, dry run, resuming after a kill, bad lists."""

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from brownie import ResidentCard, accounts, chain, web3
from eth_utils import keccak, to_checksum_address
from web3.exceptions import TransactionNotFound

from backend.campaigns.csvfile import CsvFileError, RecipientRow
from backend.chain.deployments import ROOT, load_collection_config
from scripts import airdrop as ad
from scripts import deploy

TRANSFER = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


class Killed(Exception):
    """Stands for the process dying at a chosen point."""


def wallets(count, start=0):
    return [to_checksum_address(keccak(b"airdrop-test-%d" % i)[:20]) for i in range(start, start + count)]


def rows_for(addresses, tiers=None):
    tiers = tiers or [None] * len(addresses)
    return [RecipientRow(line, a, t) for line, (a, t) in enumerate(zip(addresses, tiers), start=2)]


def collection(data_dir, *, policy="soulbound", cap=1, symbol="MINEDEMO"):
    raw = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text(encoding="utf-8"))
    raw["collection"].update(policy=policy, max_cards_per_wallet=cap, symbol=symbol)
    path = data_dir / f"{symbol}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    contract, _ = deploy.deploy_collection(load_collection_config(path), accounts[0])
    return contract


@pytest.fixture
def card(data_dir):
    """A soulbound collection, one card per wallet."""
    return collection(data_dir)


@pytest.fixture
def tradable(data_dir):
    """Up to 5 cards per wallet: only the journal stops a second airdrop to the same wallets."""
    return collection(data_dir, policy="tradable", cap=5, symbol="TRADE")


def mints(contract):
    """Every card ever minted by `contract`, as (token id, holder), from Transfer logs."""
    logs = web3.eth.get_logs({"address": contract.address, "fromBlock": 0, "topics": [TRANSFER, "0x" + "00" * 32]})
    return [(int.from_bytes(log["topics"][3], "big"), to_checksum_address(log["topics"][2][-20:])) for log in logs]


def assert_issued_once(contract, addresses):
    holders = [holder for _, holder in mints(contract)]
    assert sorted(holders) == sorted(addresses)
    assert contract.totalSupply() == len(addresses)


def kill_at(stage, index):
    def observer(seen_stage, batch):
        if (seen_stage, batch.index) == (stage, index):
            raise Killed(f"{stage} {index}")
    return observer


def journal_of(contract, rows):
    return ad.journal_path(web3.eth.chain_id, contract.symbol(), ad.list_digest(rows))


# ----------------------------------------------------------------------
# Batches
# ----------------------------------------------------------------------


def test_batch_size_fills_ninety_percent_of_the_block():
    assert ad.batch_size_for(48_500, 30_000_000) == int(0.9 * 30_000_000 // (48_500 * ad.ESTIMATE_MARGIN))
    assert ad.batch_size_for(10**9, 30_000_000) == 1


def test_plan_groups_tiers_and_keeps_list_order():
    rows = rows_for(wallets(7), [None, 1, None, None, 1, None, None])
    batches = ad.plan_batches(rows, 0, 3)
    assert [(b.tier, b.lines) for b in batches] == [(0, [2, 4, 5]), (0, [7, 8]), (1, [3, 6])]


def test_plan_evens_out_the_batches():
    sizes = [len(b.addresses) for b in ad.plan_batches(rows_for(wallets(1053)), 0, 526)]
    assert sizes == [351, 351, 351]
    assert [len(b.addresses) for b in ad.plan_batches(rows_for(wallets(10)), 0, 10)] == [10]


def test_batches_split_by_size_and_tier(card):
    addresses = wallets(7)
    rows = rows_for(addresses, [None, 1, None, None, 1, None, None])
    result = ad.airdrop(card, rows, sender=accounts[0], max_batch_size=3, progress=False)
    assert [len(b.addresses) for b in result.batches] == [3, 2, 2]
    assert all(b.status == "done" for b in result.batches)
    assert len({b.tx for b in result.batches}) == 3
    assert_issued_once(card, addresses)
    tiers = {card.ownerOf(token): card.cardOf(token)["tier"] for token, _ in mints(card)}
    assert [tiers[a] for a in addresses] == [0, 1, 0, 0, 1, 0, 0]


def test_each_batch_stays_under_its_share_of_the_block_gas_limit(card):
    limit = web3.eth.get_block("latest")["gasLimit"]
    addresses = wallets(40)
    result = ad.airdrop(card, rows_for(addresses), sender=accounts[0], gas_fraction=0.03, progress=False)
    assert len(result.batches) > 1
    allowance = 0.03 * limit
    assert all(b.gas_used <= allowance for b in result.batches)
    # Not too timid either: no more transactions than the allowance needs.
    assert len(result.batches) == math.ceil(sum(b.gas_used for b in result.batches) / allowance)
    assert_issued_once(card, addresses)


def test_full_batches_cost_at_most_48500_gas_per_card(card):
    result = ad.airdrop(card, rows_for(wallets(1000)), sender=accounts[0], progress=False)
    full = result.batches[0]
    assert len(result.batches) == 2
    assert len(full.addresses) == 500
    assert full.gas_used / len(full.addresses) <= 48_500


def test_expiry_and_first_token_ids_are_recorded(card):
    addresses = wallets(4)
    result = ad.airdrop(card, rows_for(addresses), sender=accounts[0], validity_days=30, max_batch_size=2,
                        progress=False)
    journal = json.loads(result.journal.read_text(encoding="utf-8"))
    assert [b["first_token_id"] for b in journal["batches"]] == [1, 3]
    assert card.cardOf(1)["expiresAt"] == journal["expires_at"]
    assert journal["expires_at"] - card.cardOf(1)["issuedAt"] in range(30 * 86_400 - 60, 30 * 86_400 + 1)


# ----------------------------------------------------------------------
# Dry run
# ----------------------------------------------------------------------


def test_dry_run_sends_nothing_and_prices_the_gas(card):
    nonce = accounts[0].nonce
    block = web3.eth.block_number
    rows = rows_for(wallets(25))
    report = ad.airdrop(card, rows, sender=accounts[0], dry_run=True, max_batch_size=10)
    assert (report.cards, report.batches, report.largest_batch) == (25, 3, 9)
    assert 25 * 40_000 < report.total_gas < 25 * 60_000
    assert report.cost_wei == report.total_gas * report.gas_price_wei
    assert "Nothing was sent" in str(report) and "何も送信していません" in str(report)
    assert accounts[0].nonce == nonce
    assert web3.eth.block_number == block
    assert card.totalSupply() == 0
    assert not journal_of(card, rows).exists()


# ----------------------------------------------------------------------
# Killed halfway, run again: everyone exactly once
# ----------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["sent", "done"])
def test_killed_after_batch_k_resumes_without_issuing_twice(tradable, stage):
    addresses = wallets(10)
    rows = rows_for(addresses)
    with pytest.raises(Killed):
        ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False, observer=kill_at(stage, 1))
    journal = json.loads(journal_of(tradable, rows).read_text(encoding="utf-8"))
    assert [b["status"] for b in journal["batches"]] == ["done", stage, "planned", "planned"]
    assert journal["batches"][1]["tx"].startswith("0x")
    assert tradable.totalSupply() == 6  # batch 1 was mined: anvil mines at once

    result = ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False)
    assert result.sent_now == 2
    assert result.issued == 10
    assert_issued_once(tradable, addresses)

    again = ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False)
    assert again.sent_now == 0
    assert_issued_once(tradable, addresses)


@pytest.fixture
def manual_mining():
    web3.provider.make_request("evm_setAutomine", [False])
    yield
    web3.provider.make_request("evm_setIntervalMining", [0])
    web3.provider.make_request("evm_setAutomine", [True])


def test_transaction_lost_from_the_node_is_sent_again_with_its_nonce(tradable, manual_mining):
    addresses = wallets(6)
    rows = rows_for(addresses)
    with pytest.raises(Killed):
        ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False, observer=kill_at("sent", 0))
    lost = json.loads(journal_of(tradable, rows).read_text(encoding="utf-8"))["batches"][0]
    web3.provider.make_request("anvil_dropTransaction", [lost["tx"]])
    with pytest.raises(TransactionNotFound):
        web3.eth.get_transaction(lost["tx"])
    web3.provider.make_request("evm_setAutomine", [True])
    result = ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False)
    assert result.sent_now == 2  # the lost batch and the one after it
    assert web3.eth.get_transaction(result.batches[0].tx)["nonce"] == lost["nonce"]
    assert_issued_once(tradable, addresses)


def test_pending_transaction_is_waited_for_not_sent_again(tradable, manual_mining):
    addresses = wallets(6)
    rows = rows_for(addresses)
    with pytest.raises(Killed):
        ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False, observer=kill_at("sent", 0))
    pending = json.loads(journal_of(tradable, rows).read_text(encoding="utf-8"))["batches"][0]["tx"]
    assert tradable.totalSupply() == 0
    web3.provider.make_request("evm_setIntervalMining", [1])
    result = ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False)
    assert result.batches[0].tx == pending
    assert_issued_once(tradable, addresses)


def _rewind_to_sending(path, index):
    """The journal as a kill leaves it between taking a nonce and learning the hash (node-held keys)."""
    journal = json.loads(path.read_text(encoding="utf-8"))
    batch = journal["batches"][index]
    batch.update(status="sending", tx=None, block=None, gas_used=None, first_token_id=None)
    path.write_text(json.dumps(journal), encoding="utf-8")
    return batch


def test_killed_before_the_hash_was_known_finds_its_transaction_by_nonce(tradable):
    addresses = wallets(9)
    rows = rows_for(addresses)
    with pytest.raises(Killed):
        ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False, observer=kill_at("sent", 1))
    path = journal_of(tradable, rows)
    mined = json.loads(path.read_text(encoding="utf-8"))["batches"][1]["tx"]
    _rewind_to_sending(path, 1)
    result = ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False)
    assert result.batches[1].tx == mined
    assert_issued_once(tradable, addresses)


def test_batch_on_chain_under_another_hash_is_not_sent_again(tradable):
    # E.g. the journal kept the hash of a transaction that was later replaced.
    addresses = wallets(6)
    rows = rows_for(addresses)
    with pytest.raises(Killed):
        ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False, observer=kill_at("done", 0))
    path = journal_of(tradable, rows)
    journal = json.loads(path.read_text(encoding="utf-8"))
    mined = journal["batches"][0]["tx"]
    journal["batches"][0].update(status="sent", tx="0x" + "ab" * 32)
    path.write_text(json.dumps(journal), encoding="utf-8")
    result = ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False)
    assert result.sent_now == 1
    assert result.batches[0].tx == mined
    assert_issued_once(tradable, addresses)


def test_reverted_batch_is_sent_again(tradable):
    addresses = wallets(4)
    rows = rows_for(addresses)
    with pytest.raises(Killed):
        ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=2, progress=False, observer=kill_at("done", 0))
    # A failed try of batch 1: same wallets, reverted on chain (the collection was paused).
    tradable.pause({"from": accounts[0]})
    path = journal_of(tradable, rows)
    journal = json.loads(path.read_text(encoding="utf-8"))
    batch = journal["batches"][1]
    failed = tradable.issueBatch.encode_input(batch["addresses"], 0, 0)
    tx = web3.eth.send_transaction({"from": accounts[0].address, "to": tradable.address, "data": failed, "gas": 500_000})
    assert web3.eth.wait_for_transaction_receipt(tx)["status"] == 0
    batch.update(status="failed", tx="0x" + bytes(tx).hex(), from_block=web3.eth.block_number - 1)
    path.write_text(json.dumps(journal), encoding="utf-8")
    tradable.unpause({"from": accounts[0]})
    result = ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=2, progress=False)
    assert result.sent_now == 1
    assert result.batches[1].tx != batch["tx"]
    assert_issued_once(tradable, addresses)


def test_killed_before_broadcast_sends_the_batch(tradable):
    addresses = wallets(6)
    rows = rows_for(addresses)
    with pytest.raises(Killed):
        ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False, observer=kill_at("done", 0))
    path = journal_of(tradable, rows)
    journal = json.loads(path.read_text(encoding="utf-8"))
    journal["batches"][1].update(status="sending", nonce=accounts[0].nonce, from_block=web3.eth.block_number)
    path.write_text(json.dumps(journal), encoding="utf-8")
    result = ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=3, progress=False)
    assert result.sent_now == 1
    assert_issued_once(tradable, addresses)


def test_private_key_issuer_records_the_hash_before_broadcasting(tradable):
    issuer = accounts.add()
    accounts[0].transfer(issuer, "1 ether")
    tradable.grantRole(tradable.ISSUER_ROLE(), issuer, {"from": accounts[0]})
    addresses = wallets(4)
    rows = rows_for(addresses)
    seen = []

    def observer(stage, batch):
        if stage == "sent":
            seen.append(json.loads(journal_of(tradable, rows).read_text(encoding="utf-8"))["batches"][batch.index])

    result = ad.airdrop(tradable, rows, sender=issuer, max_batch_size=2, progress=False, observer=observer)
    assert [s["tx"] for s in seen] == [b.tx for b in result.batches]
    assert all(web3.eth.get_transaction(b.tx)["from"] == issuer.address for b in result.batches)
    assert_issued_once(tradable, addresses)


# ----------------------------------------------------------------------
# Who is skipped, what is refused
# ----------------------------------------------------------------------


def test_holders_are_skipped_in_a_one_card_collection(card):
    addresses = wallets(5)
    card.issue(addresses[2], 0, 0, {"from": accounts[0]})
    result = ad.airdrop(card, rows_for(addresses), sender=accounts[0], progress=False)
    assert result.skipped == [{"line": 4, "address": addresses[2], "reason": "already holds a card"}]
    assert result.issued == 4
    assert_issued_once(card, addresses)


def test_wallet_without_room_under_the_cap_is_refused_before_sending(data_dir):
    contract = collection(data_dir, policy="tradable", cap=2, symbol="TWO")
    addresses = wallets(3)
    contract.issueBatch([addresses[1], addresses[1]], 0, 0, {"from": accounts[0]})
    nonce = accounts[0].nonce
    with pytest.raises(CsvFileError) as caught:
        ad.airdrop(contract, rows_for(addresses), sender=accounts[0], progress=False)
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, "address")]
    assert "already holds 2 cards" in caught.value.problems[0].message_en
    assert accounts[0].nonce == nonce


def test_tier_above_the_collection_maximum_is_refused_before_sending(card):
    nonce = accounts[0].nonce
    with pytest.raises(CsvFileError) as caught:
        ad.airdrop(card, rows_for(wallets(3), [None, 5, None]), sender=accounts[0], progress=False)
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, "tier")]
    assert accounts[0].nonce == nonce
    assert card.totalSupply() == 0


def test_non_issuer_is_refused_before_sending(card):
    with pytest.raises(ad.AirdropError, match="ISSUER_ROLE"):
        ad.airdrop(card, rows_for(wallets(2)), sender=accounts[5], progress=False)
    assert card.totalSupply() == 0


def test_collection_refusal_is_named_from_its_abi(card):
    # 100,000 days is past 2106, beyond the card's 32-bit expiry.
    with pytest.raises(ad.AirdropError) as caught:
        ad.airdrop(card, rows_for(wallets(2)), sender=accounts[0], validity_days=100_000, progress=False)
    assert "the collection refuses this batch: ResidentCardExpiryTooLate(" in str(caught.value)
    assert f", {2**32 - 1})" in str(caught.value)
    assert card.totalSupply() == 0


@pytest.mark.parametrize(("options", "says"), [
    ({"validity_days": 0}, "--validity-days must be at least 1"),
    ({"max_batch_size": 0}, "--batch-size must be at least 1"),
    ({"tier": 2}, "--tier 2 is not a tier of MINEDEMO (0 to 1)"),
])
def test_bad_options_are_refused_before_sending(card, options, says):
    with pytest.raises(ad.AirdropError, match=re.escape(says)):
        ad.airdrop(card, rows_for(wallets(2)), sender=accounts[0], progress=False, **options)
    assert card.totalSupply() == 0


def test_damaged_journal_is_not_overwritten(card):
    rows = rows_for(wallets(2))
    path = journal_of(card, rows)
    path.parent.mkdir(parents=True)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ad.AirdropError, match="restore it from a backup"):
        ad.airdrop(card, rows, sender=accounts[0], progress=False)
    assert path.read_text(encoding="utf-8") == "{not json"
    assert card.totalSupply() == 0


def test_paused_collection_is_refused(card):
    card.pause({"from": accounts[0]})
    with pytest.raises(ad.AirdropError, match="paused"):
        ad.airdrop(card, rows_for(wallets(2)), sender=accounts[0], progress=False)


def test_resuming_with_other_settings_is_refused(tradable):
    rows = rows_for(wallets(4))
    with pytest.raises(Killed):
        ad.airdrop(tradable, rows, sender=accounts[0], max_batch_size=2, progress=False, observer=kill_at("done", 0))
    with pytest.raises(ad.AirdropError, match="--tier 0"):
        ad.airdrop(tradable, rows, sender=accounts[0], tier=1, progress=False)
    assert tradable.totalSupply() == 2


# ----------------------------------------------------------------------
# The command: CSV files end to end
# ----------------------------------------------------------------------


def write_csv(path, text, encoding):
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return str(path)


def test_shift_jis_csv_end_to_end(card, data_dir):
    addresses = wallets(5)
    lines = [f"{a},{'プレミアム' if i == 0 else ''},佐藤{i}" for i, a in enumerate(addresses)]
    csv = write_csv(data_dir / "list.csv", "ウォレット,ランク,備考\n" + "\n".join(lines) + "\n", "cp932")
    result = ad.main(csv, "MINEDEMO", "--", "--validity-days", "365")
    assert result.issued == 5
    assert_issued_once(card, addresses)
    tiers = {holder: card.cardOf(token)["tier"] for token, holder in mints(card)}
    assert tiers[addresses[0]] == 1 and tiers[addresses[1]] == 0
    assert card.cardOf(1)["expiresAt"] > chain.time() + 364 * 86_400
    digest = ad.list_digest(ad.read_recipients(csv))
    assert result.journal == data_dir / "airdrops" / str(web3.eth.chain_id) / "MINEDEMO" / f"{digest}.json"
    # Run again: nothing more is sent.
    assert ad.main(csv, "MINEDEMO", "--", "--validity-days", "365").sent_now == 0
    assert card.totalSupply() == 5


def test_same_list_saved_again_in_another_encoding_is_the_same_airdrop(tradable, data_dir):
    addresses = wallets(4)
    sjis = write_csv(data_dir / "list.csv", "アドレス,備考\n" + "\n".join(f"{a},山田" for a in addresses) + "\n", "cp932")
    first = ad.main(sjis, "TRADE")
    utf8 = write_csv(data_dir / "list-utf8.csv", "address,memo\n" + "\n".join(f"{a},edited" for a in addresses) + "\n",
                     "utf-8-sig")
    again = ad.main(utf8, "TRADE")
    assert again.journal == first.journal
    assert again.sent_now == 0
    assert_issued_once(tradable, addresses)


def test_dry_run_command_prints_the_plan_and_names_who_it_skips(card, data_dir, capsys):
    addresses = wallets(4)
    card.issue(addresses[1], 0, 0, {"from": accounts[0]})
    csv = write_csv(data_dir / "list.csv", "address\n" + "\n".join(addresses) + "\n", "utf-8-sig")
    ad.main(csv, "MINEDEMO", "--", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: 3 cards in 1 transaction" in out
    skipped = [line for line in out.splitlines() if addresses[1] in line]
    assert skipped == [f"  line 3 {addresses[1]}: skipped, it already holds a card of this collection (one card per "
                       f"wallet) / 3行目 {addresses[1]}: すでにこのコレクションのカードを持っているため、送りません"
                       "（1つのウォレットに1枚まで）"]
    assert not any(a in out for a in addresses[:1] + addresses[2:])
    assert card.totalSupply() == 1
    assert not (data_dir / "airdrops").exists()


def test_bad_csv_sends_nothing(card, data_dir, capsys):
    good = wallets(2)
    csv = write_csv(data_dir / "bad.csv", f"アドレス\n{good[0]}\n0x1234\n{good[1]}\n", "cp932")
    nonce = accounts[0].nonce
    with pytest.raises(SystemExit) as exit_:
        ad.main(csv, "MINEDEMO")
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "line 3, column アドレス" in err and "3行目" in err
    assert accounts[0].nonce == nonce
    assert card.totalSupply() == 0
    assert not (data_dir / "airdrops").exists()


def test_unknown_collection_says_to_deploy_first(card, data_dir, capsys):
    csv = write_csv(data_dir / "list.csv", "address\n" + wallets(1)[0] + "\n", "utf-8")
    with pytest.raises(SystemExit):
        ad.main(csv, "NOSUCH")
    assert "deploy" in capsys.readouterr().err


def test_example_shift_jis_list_airdrops(card):
    example = ROOT / "config" / "examples" / "airdrop-list-sjis.csv"
    assert not example.read_bytes().startswith(b"\xef\xbb\xbf")
    result = ad.main(str(example), "MINEDEMO")
    rows = ad.read_recipients(example)
    assert result.issued == len(rows) == 4
    assert_issued_once(card, [row.address for row in rows])


def test_process_killed_while_waiting_then_run_again_issues_everyone_once(tradable, data_dir, manual_mining):
    """The real thing: `brownie run` killed with SIGKILL while its batch waits to be mined."""
    addresses = wallets(8)
    csv = write_csv(data_dir / "list.csv", "address\n" + "\n".join(addresses) + "\n", "utf-8-sig")
    journal = ad.journal_path(web3.eth.chain_id, "TRADE", ad.list_digest(rows_for(addresses)))
    web3.provider.make_request("evm_setIntervalMining", [1])  # a block a second: time to kill a waiting run
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "brownie"), "run", "scripts/airdrop.py", "main", csv, "TRADE", "--network", "anvil",
         "--", "--batch-size", "3"],
        cwd=ROOT, stdout=open(data_dir / "run.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            states = [b["status"] for b in json.loads(journal.read_text())["batches"]] if journal.exists() else []
            if "done" in states and "sent" in states:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the airdrop never had a batch in flight:\n" + (data_dir / "run.log").read_text())
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert 0 < tradable.totalSupply() < len(addresses)

    result = ad.main(csv, "TRADE", "--", "--batch-size", "3")
    assert result.issued == len(addresses)
    assert result.sent_now < len(result.batches)
    assert_issued_once(tradable, addresses)


def test_backend_chain_client_and_issuer_key(tradable, data_dir):
    """What the console's airdrop jobs pass: backend/chain's contract and an issuer with its own key, no
    Brownie objects; the issuer's nonce lock is the one the airdrop takes."""
    from eth_account import Account

    from backend.campaigns import airdrop as core
    from backend.chain.client import Chain
    from backend.chain.issuer import Issuer

    key = Account.create()
    accounts[0].transfer(key.address, "1 ether")
    tradable.grantRole(tradable.ISSUER_ROLE(), key.address, {"from": accounts[0]})
    chain = Chain(web3.provider.endpoint_uri)
    issuer = Issuer(chain, key.key, web3.eth.chain_id)
    addresses = wallets(5)
    taken = []

    class Watched:
        """The issuer's lock, noting each time the airdrop takes it."""

        def __enter__(self):
            taken.append("taken")
            return lock.__enter__()

        def __exit__(self, *exc):
            return lock.__exit__(*exc)

    lock, issuer._lock = issuer._lock, Watched()
    result = core.airdrop(issuer, chain.contract_at(tradable.address, tradable.abi), rows_for(addresses),
                          data_dir=data_dir, max_batch_size=2, progress=False)
    assert [len(b.addresses) for b in result.batches] == [2, 2, 1]
    assert len(taken) == 3  # once per batch, around its nonce and broadcast
    assert all(web3.eth.get_transaction(b.tx)["from"] == key.address for b in result.batches)
    assert result.journal.is_relative_to(data_dir)
    assert_issued_once(tradable, addresses)


# ----------------------------------------------------------------------
# Through the backend's transaction outbox
# ----------------------------------------------------------------------

def outbox_rows(data_dir):
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from backend.db.models_outbox import OutboxSender, OutboxTx

    engine = create_engine(f"sqlite:///{data_dir / 'resident.db'}")
    with Session(engine) as session:
        rows = session.scalars(select(OutboxTx).order_by(OutboxTx.id)).all()
        senders = session.scalars(select(OutboxSender)).all()
        session.expunge_all()
    engine.dispose()
    return rows, senders


@pytest.fixture
def backend_issuer(monkeypatch):
    """The backend's issuer in Settings (anvil's first key, the deployer's: it holds ISSUER_ROLE) and its outbox on."""
    from backend.settings import ANVIL_DEV_KEY

    monkeypatch.setenv("RESIDENT_ISSUER_KEY", ANVIL_DEV_KEY)
    monkeypatch.setenv("RESIDENT_OUTBOX_ENABLED", "true")
    return accounts[0].address


def test_with_the_backends_issuer_each_batch_is_one_outbox_transaction_and_a_rerun_sends_none(
        card, data_dir, backend_issuer):
    addresses = wallets(6)
    csv = write_csv(data_dir / "list.csv", "address\n" + "\n".join(addresses) + "\n", "utf-8")
    result = ad.main(csv, "MINEDEMO", "--", "--batch-size", "2")
    assert result.issued == 6 and len(result.batches) == 3
    assert_issued_once(card, addresses)
    rows, senders = outbox_rows(data_dir)
    assert [row.state for row in rows] == ["confirmed"] * 3
    assert [row.sender for row in rows] == [backend_issuer] * 3
    assert [row.tx_hash for row in rows] == [batch.tx for batch in result.batches]
    assert [row.idempotency_key for row in rows] == [batch.key for batch in result.batches]
    nonces = [row.nonce for row in rows]
    assert nonces == list(range(nonces[0], nonces[0] + 3))  # one sequence, the database's
    assert [sender.address for sender in senders] == [backend_issuer]
    again = ad.main(csv, "MINEDEMO", "--", "--batch-size", "2")
    assert again.sent_now == 0
    assert len(outbox_rows(data_dir)[0]) == 3 and card.totalSupply() == 6


def test_a_running_backends_leader_sends_the_scripts_batches(card, data_dir, backend_issuer):
    """The backend's manager holds the issuer's lease: the script only enqueues, the leader signs and sends,
    so the key's nonces come from one sequence while both run."""
    from backend.chain.client import Chain
    from backend.chain.issuer import make_issuer
    from backend.chain.outbox import Manager, Outbox
    from backend.chain.outbox.worker import start_outbox
    from backend.db import make_engine, session_factory
    from backend.settings import Settings

    settings = Settings()
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    leader_issuer = make_issuer(settings)
    manager = Manager(sessions, Chain.of(settings), [leader_issuer], holder="backend-leader")
    loop = start_outbox(manager, Outbox(sessions, leader_issuer.chain, settings.chain_id), interval=0.05)
    try:
        assert manager.holds(backend_issuer)
        addresses = wallets(4, start=100)
        csv = write_csv(data_dir / "list.csv", "address\n" + "\n".join(addresses) + "\n", "utf-8")
        result = ad.main(csv, "MINEDEMO", "--", "--batch-size", "2")
    finally:
        loop.stop(10)
        engine.dispose()
    assert result.issued == 4
    assert_issued_once(card, addresses)
    rows, senders = outbox_rows(data_dir)
    assert [row.state for row in rows] == ["confirmed"] * 2
    assert [(sender.address, sender.lease_holder) for sender in senders] == [(backend_issuer, "backend-leader")]
