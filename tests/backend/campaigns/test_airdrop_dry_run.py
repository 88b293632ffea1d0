"""The airdrop dry run names every wallet it would skip, with the reason, in both languages."""

import pytest
from pydantic import SecretStr

from backend.campaigns.airdrop import DryRun
from tests.backend.access_setup import assert_error
from tests.backend.campaign_setup import csv_bytes
from tests.backend.localchain import ANVIL_KEYS
from tests.backend.perks_setup import municipality_id_of, staff_headers

HOLDER = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20


def dry_run(skipped_wallets):
    return DryRun(cards=3, batches=1, largest_batch=3, skipped=len(skipped_wallets), total_gas=150_000,
                  gas_price_wei=10**9, cost_wei=150_000 * 10**9, token="ETH", skipped_wallets=tuple(skipped_wallets))


def test_each_skipped_wallet_is_named_with_its_line_and_reason_in_both_languages():
    report = str(dry_run([{"line": 4, "address": HOLDER, "reason": "already holds a card"}]))
    lines = report.splitlines()
    assert lines[0].startswith("Dry run: 3 cards") and lines[1].startswith("試算: 3枚")
    assert lines[2:] == [f"  line 4 {HOLDER}: skipped, it already holds a card of this collection (one card per "
                         f"wallet) / 4行目 {HOLDER}: すでにこのコレクションのカードを持っているため、送りません"
                         "（1つのウォレットに1枚まで）"]


def test_a_reason_without_its_own_text_is_still_shown():
    said = dry_run([{"line": 9, "address": OTHER, "reason": "revoked by staff"}]).skipped_texts()
    assert [(s.en, s.ja) for s in said] == [(f"line 9 {OTHER}: skipped (revoked by staff)",
                                              f"9行目 {OTHER}: 送りません（revoked by staff）")]


def test_nobody_skipped_adds_no_lines():
    assert len(str(dry_run([])).splitlines()) == 2


# --- the console's dry run: POST /staff/municipalities/{id}/airdrops/dry-run ---------------------------
@pytest.fixture
def settings(settings):
    settings.issuer_key = SecretStr(ANVIL_KEYS[0])  # holds ISSUER_ROLE on the test collections
    return settings


def post_dry_run(client, mid: int, headers: dict, text: str, collection: str = "RESSOUL", **form):
    return client.post(f"/staff/municipalities/{mid}/airdrops/dry-run", headers=headers,
                       data={"collection": collection, **form}, files={"file": ("list.csv", csv_bytes(text), "text/csv")})


def test_console_dry_run_names_the_holder_it_skips_and_sends_nothing(client, app, chain_with_collection, sync_index):
    chain = chain_with_collection
    card = chain.soulbound_collection
    holder, *fresh = [chain.new_holder(0).address for _ in range(3)]
    card.issue(holder)
    sync_index()
    mid = municipality_id_of(app, card)
    headers = staff_headers(client, app)
    block = chain.web3.eth.block_number
    response = post_dry_run(client, mid, headers, "アドレス\n" + "\n".join([fresh[0], holder, fresh[1]]))
    assert response.status_code == 200, response.text
    plan = response.json()
    assert (plan["cards"], plan["batches"], plan["skipped"]) == (2, 1, 1)
    assert [(w["line"], w["address"]) for w in plan["skipped_wallets"]] == [(3, holder)]
    assert "already holds a card" in plan["skipped_wallets"][0]["message_en"]
    assert "すでに" in plan["skipped_wallets"][0]["message_ja"] and "3行目" in plan["skipped_wallets"][0]["message_ja"]
    assert "Nothing was sent" in plan["message_en"] and "何も送信していません" in plan["message_ja"]
    assert chain.web3.eth.block_number == block
    assert [card.contract.functions.balanceOf(w).call() for w in fresh] == [0, 0]
    assert client.get(f"/staff/municipalities/{mid}/airdrops", headers=headers).json() == []


def test_console_dry_run_is_refused_across_municipalities(client, app, chain_with_collection, sync_index):
    sync_index()
    chain = chain_with_collection
    mine, theirs = municipality_id_of(app, chain.collection), municipality_id_of(app, chain.soulbound_collection)
    headers = staff_headers(client, app, "test-city-staff", municipality_id=mine)
    wallet = chain.new_holder(0).address
    assert_error(post_dry_run(client, theirs, headers, f"address\n{wallet}\n"), 403, "role_required")
    assert_error(post_dry_run(client, mine, headers, f"address\n{wallet}\n", collection="RESSOUL"), 404,
                 "collection_not_found")
    assert_error(post_dry_run(client, mine, headers, "address\nnot-an-address\n", collection="RESTEST"), 422,
                 "csv_invalid")
    refused = assert_error(post_dry_run(client, mine, headers, f"address\n{wallet}\n", collection="RESTEST",
                                        tier="100"), 409, "airdrop_dry_run_refused")
    assert "100" in refused["message_en"]
