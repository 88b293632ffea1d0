"""KPI history per Japan day: cards, holders and concentration replayed from indexed events; redemptions per day.

The history is made on its own anvil node whose genesis lies five days in the
past, so every block can be given a time on a chosen Japan day (the session's
shared chain stays at wall-clock time for the other tests). The days end now:
the route computes with the wall clock, like the console.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from tests.backend.access_setup import assert_error
from backend.perks.rules import JST, japan_date
from backend.settings import Settings
from backend.staff.kpi_series import japan_days, kpi_series
from backend.staff.kpis import municipality_kpis
from tests.backend.localchain import Anvil, LocalChain
from tests.backend.perks_setup import collection_id_of, municipality_id_of, staff_headers

HOUR = 3600


def japan_midnight(days_ago: int) -> int:
    today = datetime.now(JST).date() - timedelta(days=days_ago)
    return int(datetime.combine(today, datetime.min.time(), JST).timestamp())


@dataclass
class History:
    chain: LocalChain
    collection: object
    anvil: Anvil
    holders: dict  # name -> address
    tokens: dict  # name -> token id


def at(chain: LocalChain, timestamp: int) -> None:
    """The next transaction's block is mined at `timestamp`."""
    chain.rpc("evm_setNextBlockTimestamp", [timestamp])


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Five Japan days of a collection's life, D-4 .. today (D0):

    D-4 10:00  4 cards issued: h1 x3, h2 x1                 -> issued 4, active 4, holders 2 (h1 holds 75 %)
    D-3 10:00  h1 gives two cards to h3; h4 gets a card that expires at D-2 12:00
                                                             -> issued 5, active 5, valid 5, holders 4
    D-2 10:00  h2's card is revoked                          -> active 4, valid 3 (h4's expired at 12:00)
    D-1 10:00  h1's last card is re-issued to h6             -> issued 6, active 4, holders h6, h3 (2), h4
    D0  early  two cards to h5                               -> issued 8, active 6, valid 5, holders 4
    """
    if time.time() - japan_midnight(0) < 120:  # today's blocks need a minute or two of today behind them
        time.sleep(125 - (time.time() - japan_midnight(0)))
    node = Anvil(extra=["--timestamp", str(japan_midnight(5) + 9 * HOUR)])
    chain = LocalChain(node.url, tmp_path_factory.mktemp("series-chain"))
    holders = {name: chain.new_holder().address for name in ("h1", "h2", "h3", "h4", "h5", "h6")}
    at(chain, japan_midnight(5) + 10 * HOUR)
    collection = chain.deploy("SERIES", soulbound=False, name_ja="推移町", name_en="Series Town")
    tokens = {}
    at(chain, japan_midnight(4) + 10 * HOUR)
    first = collection.issue_batch([holders["h1"]] * 3 + [holders["h2"]])
    tokens.update(h1a=first, h1b=first + 1, h1c=first + 2, h2=first + 3)
    at(chain, japan_midnight(3) + 10 * HOUR)
    collection.transfer(tokens["h1b"], holders["h3"])
    at(chain, japan_midnight(3) + 10 * HOUR + 60)
    collection.transfer(tokens["h1c"], holders["h3"])
    at(chain, japan_midnight(3) + 10 * HOUR + 120)
    tokens["h4"] = collection.issue(holders["h4"], expires_at=japan_midnight(2) + 12 * HOUR)
    at(chain, japan_midnight(2) + 10 * HOUR)
    collection.revoke(tokens["h2"])
    at(chain, japan_midnight(1) + 10 * HOUR)
    tokens["h6"] = collection.reissue(tokens["h1a"], holders["h6"])
    at(chain, max(japan_midnight(0) + 5, int(time.time()) - 60))
    tokens["h5a"] = collection.issue_batch([holders["h5"]] * 2)
    tokens["h5b"] = tokens["h5a"] + 1
    yield History(chain, collection, node, holders, tokens)
    node.stop()


@pytest.fixture
def settings(db_url, history):
    """The app follows the history's chain (overrides conftest's `settings`)."""
    return Settings(_env_file=None, environment="test", rpc_url=history.anvil.url, chain_id=31337,
                    data_dir=history.chain.data_dir, database_url=db_url, poll_interval=0.05, stale_after=5.0)


@pytest.fixture
def town(client, app, history, sync_index):
    sync_index()
    return {"mid": municipality_id_of(app, history.collection),
            "cid": collection_id_of(app, history.collection), "admin": staff_headers(client, app)}


def series_of(client, town, days: int) -> dict:
    r = client.get(f"/staff/municipalities/{town['mid']}/kpis/series", params={"days": days},
                   headers=town["admin"])
    assert r.status_code == 200, r.text
    return r.json()


def test_japan_days_end_at_japan_midnight_and_today_ends_now():
    now = datetime(2026, 11, 25, 14, 59, tzinfo=JST).timestamp()  # 05:59 UTC
    days = japan_days(3, now)
    assert [d for d, _ in days] == ["2026-11-23", "2026-11-24", "2026-11-25"]
    assert days[0][1] == datetime(2026, 11, 24, tzinfo=JST).timestamp()  # = 2026-11-23 15:00 UTC
    assert days[1][1] == datetime(2026, 11, 25, tzinfo=JST).timestamp()
    assert days[2][1] == int(now)
    # 23:30 UTC is already the next day in Japan
    late = datetime(2026, 11, 25, 23, 30, tzinfo=timezone.utc).timestamp()
    assert japan_days(1, late)[0][0] == japan_date(late) == "2026-11-26"


def test_card_figures_follow_the_chain_day_by_day(client, town):
    s = series_of(client, town, 6)
    assert s["days"] == [japan_date(japan_midnight(n) + 1) for n in range(5, -1, -1)]
    cards = s["cards"]
    # day:                   D-5 D-4 D-3 D-2 D-1 D0
    assert cards["issued"] == [0, 4, 5, 5, 6, 8]
    assert cards["active"] == [0, 4, 5, 4, 4, 6]
    assert cards["valid"] == [0, 4, 5, 3, 3, 5]
    assert cards["unique_holders"] == [0, 2, 4, 3, 3, 4]
    assert cards["top1_share"] == [0.0, 0.75, 0.4, 0.5, 0.5, round(2 / 6, 4)]
    assert cards["top10_share"] == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert cards["gini"][1] == pytest.approx(0.25)  # holdings 3 and 1: G = (2*(1*1 + 2*3))/(2*4) - 3/2
    assert cards["hhi"][1] == pytest.approx((0.75 ** 2 + 0.25 ** 2) * 10_000, abs=0.1)


def test_the_last_day_agrees_with_the_current_kpis(client, app, town):
    s = series_of(client, town, 30)
    assert len(s["days"]) == 30 and s["days"][-1] == japan_date(time.time())
    with app.state.services.session_factory() as db:
        now = municipality_kpis(db, town["mid"])
    last = {name: values[-1] for name, values in s["cards"].items()}
    assert (last["issued"], last["active"], last["valid"], last["unique_holders"]) == \
        (now["cards_issued"], now["cards_active"], now["cards_valid"], now["unique_holders"])
    assert last["gini"] == now["concentration"]["gini"] and last["hhi"] == now["concentration"]["hhi"]
    assert s["cards"]["issued"][:24] == [0] * 24  # before the collection existed


def _perk(client, town, name: str, kind: str, venue_id: int, **kw) -> int:
    body = {"collection_id": town["cid"], "name_ja": name, "name_en": name, "kind": kind, "venue_ids": [venue_id]}
    body.update(kw)
    r = client.post(f"/staff/municipalities/{town['mid']}/perks", json=body, headers=town["admin"])
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_redemptions_per_day_by_perk_and_by_venue(client, app, town, history):
    mid = town["mid"]
    venues = {}
    for key, ja, en in (("cave", "秋芳洞", "Akiyoshi-do Cave"), ("cowork", "コワーキング", "Coworking")):
        r = client.post(f"/staff/municipalities/{mid}/venues", json={"name_ja": ja, "name_en": en},
                        headers=town["admin"])
        venues[key] = r.json()["id"]
    cave = _perk(client, town, "洞窟入場", "venue_entry", venues["cave"], limit_count=1, limit_period="day")
    desk = _perk(client, town, "コワーキング割引", "discount", venues["cowork"], limit_count=None,
                 limit_period="unlimited")
    signer, redeemer = app.state.services.pass_signer, app.state.services.redeemer
    t, h = history.tokens, history.holders

    def redeem(perk, token, holder, venue, when):
        text, _ = signer.issue(contract=history.collection.address, token_id=t[token], owner=h[holder],
                               perk_id=perk, now=when)
        return redeemer.redeem(text, venues[venue], now=when).verdict

    d3, d1 = japan_midnight(3) + 12 * HOUR, japan_midnight(1) + 12 * HOUR
    assert redeem(cave, "h1b", "h3", "cave", d3).ok
    assert redeem(cave, "h1c", "h3", "cave", d3 + 300).ok
    assert redeem(cave, "h1b", "h3", "cave", d3 + 600).reason_code == "limit_day"  # once a day per card
    assert redeem(cave, "h4", "h4", "cave", d1).reason_code == "card_expired"  # expired at D-2 12:00
    assert redeem(desk, "h6", "h6", "cowork", d1).ok
    assert redeem(cave, "h5a", "h5", "cave", time.time()).ok

    s = series_of(client, town, 5)  # D-4 .. D0
    assert s["redemptions"]["total"] == [0, 2, 0, 1, 1]
    by_perk = {row["perk_id"]: row for row in s["redemptions"]["by_perk"]}
    assert by_perk[cave]["counts"] == [0, 2, 0, 0, 1] and by_perk[cave]["name_ja"] == "洞窟入場"
    assert by_perk[desk]["counts"] == [0, 0, 0, 1, 0]
    by_venue = {row["venue_id"]: row for row in s["redemptions"]["by_venue"]}
    assert by_venue[venues["cave"]]["counts"] == [0, 2, 0, 0, 1]
    assert by_venue[venues["cowork"]]["counts"] == [0, 0, 0, 1, 0]
    assert by_venue[venues["cowork"]]["name_en"] == "Coworking"

    # the same history as a file for Excel: BOM, CRLF, one day per row, a column per perk and per venue
    r = client.get(f"/staff/municipalities/{mid}/kpis/series.csv", params={"days": 5}, headers=town["admin"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in r.content
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["日付", "発行枚数（累計）"] and rows[0][-2:] == ["施設：秋芳洞", "施設：コワーキング"]
    assert [row[0] for row in rows[1:]] == s["days"]
    assert [int(row[1]) for row in rows[1:]] == s["cards"]["issued"]
    assert [int(row[9]) for row in rows[1:]] == [0, 2, 0, 1, 1]
    assert rows[0].index("特典：洞窟入場") == 10 and [int(row[10]) for row in rows[1:]] == [0, 2, 0, 0, 1]

    recent = series_of(client, town, 2)  # D-1, D0: the cave's D-3 redemptions fall outside
    assert recent["redemptions"]["total"] == [1, 1]
    assert {row["perk_id"]: row["counts"] for row in recent["redemptions"]["by_perk"]} == {cave: [0, 1],
                                                                                         desk: [1, 0]}


def test_series_refuses_bad_days_unknown_towns_and_strangers(client, app, town):
    url = f"/staff/municipalities/{town['mid']}/kpis/series"
    for days in (0, 367, "x"):
        assert_error(client.get(url, params={"days": days}, headers=town["admin"]), 422, "invalid_request")
    assert_error(client.get("/staff/municipalities/9999/kpis/series", headers=town["admin"]), 404,
                 "municipality_not_found")
    r = client.post("/staff/municipalities", json={"name_ja": "西川町", "name_en": "Nishikawa"},
                    headers=town["admin"])
    other = r.json()["id"]
    viewer = staff_headers(client, app, "viewer-other", other, "viewer")
    client.cookies.clear()
    assert client.get(url, headers=viewer).status_code == 403
    assert client.get(url).status_code == 401


def test_series_function_rejects_a_window_out_of_range(db_sessions):
    with db_sessions() as db, pytest.raises(ValueError):
        kpi_series(db, 1, days=0)


def test_concentration_from_a_histogram_equals_the_figures_from_every_holder():
    """The history keeps holders per holding size; its figures must be those of the per-holder formula."""
    import random
    from collections import Counter

    from backend.staff.kpis import concentration_of_sizes

    rng = random.Random(5)
    for _ in range(200):
        holdings = [rng.choice([1, 1, 1, 2, 3, 5, 20, 150]) for _ in range(rng.randrange(1, 60))]
        x = sorted(holdings)
        n, total = len(x), sum(x)
        gini = 2 * sum((i + 1) * v for i, v in enumerate(x)) / (n * total) - (n + 1) / n
        c = concentration_of_sizes(Counter(holdings))
        assert (c.holders, c.cards) == (n, total)
        assert c.top1_share == round(x[-1] / total, 4) and c.top10_share == round(sum(x[-10:]) / total, 4)
        assert c.gini == pytest.approx(max(0.0, gini), abs=1e-4)
        assert c.hhi == pytest.approx(sum((v / total) ** 2 for v in x) * 10_000, abs=0.1)
