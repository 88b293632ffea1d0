"""The airdrop dry run names every wallet it would skip, with the reason, in both languages."""

from backend.campaigns.airdrop import DryRun

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
