"""KPIs and CSV exports: concentration maths (pure), KPI queries on a real database, CSV bytes for Excel."""

import csv
import io
import time

import pytest

from backend.staff.export import BOM, excel_csv, kpis_csv, redemptions_csv
from backend.staff.kpis import concentration, municipality_kpis
from backend.venues.redeem import Redeemer
from tests.backend.perks_setup import build_world


def test_mine_city_concentration_shows_a_few_speculators():
    """Mine: 2,000 cards, about 350 buyers, some holding 10-20 each."""
    holdings = [20] * 50 + [10] * 60 + [1] * 240 + [0] * 5  # 1000 + 600 + 240 = 1840
    holdings += [1] * 160  # 2,000 cards, 510 holders
    c = concentration(holdings)
    assert c.cards == 2000 and c.holders == 510
    assert c.top1_share == pytest.approx(20 / 2000)
    assert c.top10_share == pytest.approx(200 / 2000)
    assert 0.4 < c.gini < 0.8
    assert c.hhi == pytest.approx(sum((h / 2000) ** 2 for h in holdings) * 10_000, abs=0.1)


def test_concentration_extremes():
    equal = concentration([1] * 100)
    assert equal.gini == 0 and equal.hhi == pytest.approx(100) and equal.top1_share == 0.01
    one = concentration([500])
    assert one.hhi == 10_000 and one.top1_share == 1.0 and one.gini == 0
    monopoly = concentration([1] * 99 + [10_000])
    assert monopoly.gini > 0.95 and monopoly.top1_share > 0.99
    assert concentration([]).holders == 0


def test_excel_csv_bytes_are_utf8_with_bom_and_crlf():
    data = excel_csv(["特典", "値"], [["秋芳洞 入場無料", 3], ["=HYPERLINK(\"x\")", "-1"], ['a "quoted", b', None]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.startswith(BOM.encode("utf-8") + "特典,値\r\n".encode("utf-8"))
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["特典", "値"]
    assert rows[1] == ["秋芳洞 入場無料", "3"]
    assert rows[2] == ["'=HYPERLINK(\"x\")", "-1"]  # a formula is defused, a negative number is not
    assert rows[3] == ['a "quoted", b', ""]


@pytest.mark.parametrize("typed", [
    "=1+1", "+81 90", "-A1", "@SUM(A1)", "\uff1dHYPERLINK(\"x\")", "\uff0b1", "\uff0dA1", "\uff20SUM(A1)",
    " =1+1", "\u3000=1+1", "\u3000\u3000\uff1d1", "\t=1", "\r=1", "\n=1", " \t\r\n\u3000@x", "\tplain", "\nplain",
    "-inf", " -1",
])
def test_excel_csv_defuses_formulas_full_width_and_behind_whitespace(typed):
    rows = list(csv.reader(io.StringIO(excel_csv(["x"], [[typed]]).decode("utf-8-sig"), newline="")))
    assert rows[1] == ["'" + typed]


@pytest.mark.parametrize("value", [-1, 0.25, -0.5, 1e-05, 3, "-12", "秋芳洞", " 秋芳洞", "a=b", "メール@example"])
def test_excel_csv_leaves_numbers_and_plain_text_alone(value):
    rows = list(csv.reader(io.StringIO(excel_csv(["x"], [[value]]).decode("utf-8-sig"), newline="")))
    assert rows[1] == [str(value)]


@pytest.fixture
def world(db_url):
    w = build_world(db_url, cards=30)
    yield w
    w.engine.dispose()


def test_kpis_count_cards_holders_and_redemptions(world):
    r = Redeemer(world.engine, world.signer)
    assert r.redeem(world.pass_for("cave", token_id=1), world.cave).verdict.ok
    assert r.redeem(world.pass_for("cowork", token_id=2), world.cowork).verdict.ok
    assert r.redeem(world.pass_for("both", token_id=2), world.cave).verdict.ok
    world.set_card(3, status="revoked")
    with world.sessions() as s:
        k = municipality_kpis(s, world.municipality_id)
    assert k["cards_issued"] == 30 and k["cards_active"] == 29 and k["cards_valid"] == 29
    # 30 cards over 40 holder addresses round-robin: each of the first 30 holds one; token 3 revoked
    assert k["unique_holders"] == 29 and k["concentration"]["top1_share"] == pytest.approx(1 / 29, abs=1e-4)
    assert k["active_holders_30d"] == 2  # token 1 and token 2's holders redeemed
    assert k["redemptions_30d"] == 3
    by_perk = {p["perk_id"]: p["redemptions"] for p in k["redemptions_by_perk"]}
    assert by_perk == {world.perks["cave"]: 1, world.perks["cowork"]: 1, world.perks["both"]: 1}
    by_venue = {v["venue_id"]: v["redemptions"] for v in k["redemptions_by_venue"]}
    assert by_venue == {world.cave: 2, world.cowork: 1}
    assert sum(d["redemptions"] for d in k["redemptions_by_day"]) == 3

    data = kpis_csv(k)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["指標", "値", "key"]
    values = {row[2]: row[1] for row in rows[1:]}
    assert values["cards_issued"] == "30" and values["unique_holders"] == "29"
    assert values[f"perk:{world.perks['cave']}"] == "1"


def test_redemptions_csv_lists_each_redemption_in_japan_time(world):
    r = Redeemer(world.engine, world.signer)
    assert r.redeem(world.pass_for("cave", token_id=5), world.cave).verdict.ok
    assert r.redeem(world.pass_for("cowork", token_id=6), world.cowork).verdict.ok
    from backend.perks.rules import japan_date

    today = japan_date(time.time())
    with world.sessions() as s:
        data = redemptions_csv(s, world.municipality_id, today, today)
        only_cave = redemptions_csv(s, world.municipality_id, today, today, venue_id=world.cave)
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][0] == "利用日時（日本時間）" and rows[0][1] == "特典"
    assert len(rows) == 3
    assert rows[1][0].startswith(today) and rows[1][1] == "cave（特典）" and rows[1][3] == "秋芳洞"
    assert rows[1][4] == "5"
    assert len(list(csv.reader(io.StringIO(only_cave.decode("utf-8-sig"), newline="")))) == 2
