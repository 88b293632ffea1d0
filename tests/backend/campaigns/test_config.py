"""Campaign YAML files: validation with every problem at once, in English and Japanese (no chain)."""

from datetime import datetime

import pytest

from backend.campaigns.config import (
    CampaignConfigError,
    allowlist_entries,
    allowlist_path,
    load_campaign_config,
    price_to_wei,
)
from backend.chain.deployments import ROOT
from backend.errors import ResidentError

VALID = """\
collection: MINEDEMO
name: spring-2027
start: 2026-12-01T10:00:00+09:00
end: 2026-12-31T23:59:59+09:00
price: "0.01"
supply: 500
per_wallet: 2
tier: 1
validity_days: 365
voucher: false
"""


def write(tmp_path, text, name="campaign.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path, text):
    with pytest.raises(CampaignConfigError) as failure:
        load_campaign_config(write(tmp_path, text))
    return failure.value.problems


def test_valid_file_becomes_minter_settings(tmp_path):
    config = load_campaign_config(write(tmp_path, VALID))
    start = int(datetime.fromisoformat("2026-12-01T10:00:00+09:00").timestamp())
    end = int(datetime.fromisoformat("2026-12-31T23:59:59+09:00").timestamp())
    assert config.settings() == (start, end, 10**16, 500, 2, 1, 365 * 86_400, 0, "0x" + "00" * 32, False, False)


def test_allowlist_root_and_built_root_reach_the_settings(tmp_path):
    root = "0x" + "ab" * 32
    config = load_campaign_config(write(tmp_path, VALID + f"allowlist_root: '{root}'\n"))
    assert config.settings()[8] == root
    built = bytes.fromhex("cd" * 32)
    assert load_campaign_config(write(tmp_path, VALID)).settings(built)[8] == "0x" + "cd" * 32


def test_every_problem_is_listed_at_once_in_both_languages(tmp_path):
    text = """\
collection: minedemo
name: spring 2027
start: 2026-12-01T10:00:00
end: 2026-11-01T10:00:00+09:00
price: "-1"
supply: 0
per_wallet: 70000
tier: 200
colour: red
"""
    problems = problems_of(tmp_path, text)
    joined = "\n".join(problems)
    for field in ("collection", "name", "start", "price", "supply", "per_wallet", "tier", "colour"):
        assert any(p.startswith(f"{field}:") for p in problems), field
    assert "タイムゾーン" in joined
    assert "知らない項目" in joined
    assert "0以上" in joined
    assert len(problems) == 8


def test_end_before_start_is_reported(tmp_path):
    text = VALID.replace("end: 2026-12-31T23:59:59+09:00", "end: 2026-11-30T10:00:00+09:00")
    assert problems_of(tmp_path, text) == ["end: must be after start / 終了日時は開始日時より後にしてください"]


def test_allowlist_and_root_together_and_voucher_with_allowlist_are_refused(tmp_path):
    text = VALID.replace("voucher: false", "voucher: true") + "allowlist: a.csv\nallowlist_root: '0x" + "00" * 32 + "'\n"
    problems = problems_of(tmp_path, text)
    assert any(p.startswith("allowlist: give allowlist") for p in problems)
    assert any(p.startswith("voucher:") for p in problems)


def test_bad_root_is_refused(tmp_path):
    assert problems_of(tmp_path, VALID + "allowlist_root: '0x1234'\n")[0].startswith("allowlist_root: must be 0x")
    assert "quotes" in problems_of(tmp_path, VALID + "allowlist_root: 0x" + "ab" * 32 + "\n")[0]


def test_missing_file_and_bad_yaml_are_explained(tmp_path):
    with pytest.raises(CampaignConfigError, match="does not exist"):
        load_campaign_config(tmp_path / "nope.yaml")
    assert "not valid YAML" in problems_of(tmp_path, "name: [unclosed\n")[0]
    assert "collection" in problems_of(tmp_path, "- a list\n")[0]


def test_missing_fields_are_named(tmp_path):
    problems = problems_of(tmp_path, "collection: MINEDEMO\n")
    assert {p.split(":")[0] for p in problems} == {"name", "start", "end", "supply"}
    assert all("必須" in p for p in problems)


def test_error_is_a_resident_error_naming_the_file(tmp_path):
    with pytest.raises(ResidentError, match="campaign.yaml"):
        load_campaign_config(write(tmp_path, "collection: MINEDEMO\n"))


@pytest.mark.parametrize("value, wei", [("0", 0), ("0.01", 10**16), (1, 10**18), (0.5, 5 * 10**17),
                                        ("0.000000000000000001", 1), ("1208925", 1208925 * 10**18)])
def test_price_in_ether_units_is_exact_wei(value, wei):
    assert price_to_wei(value) == wei


@pytest.mark.parametrize("value, message", [("-1", "0 or more"), ("abc", "not a number"), (True, "own currency"),
                                            ("0.0000000000000000001", "18 decimals"), ("1208926", "largest")])
def test_bad_prices_are_explained(value, message):
    with pytest.raises(ValueError, match=message):
        price_to_wei(value)


def test_examples_are_valid():
    free = load_campaign_config(ROOT / "config/campaigns/free-claim.yaml")
    voucher = load_campaign_config(ROOT / "config/campaigns/voucher.yaml")
    assert free.allowlist and not free.voucher
    assert voucher.voucher and not voucher.allowlist
    path = allowlist_path(free, ROOT / "config/campaigns/free-claim.yaml")
    entries = allowlist_entries(path)
    assert len(entries) == 4
    assert entries[1][2] == 2
