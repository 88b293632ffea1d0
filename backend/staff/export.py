"""CSV exports that open correctly in Excel on a Japanese PC: UTF-8 with a BOM, CRLF line ends.

Without the BOM, Excel reads UTF-8 as Shift_JIS and shows mojibake for
Japanese headers. A cell that starts with = + - @ or their full-width forms
＝ ＋ － ＠ (Excel on a Japanese PC takes those as formulas too), with or without
whitespace before them (space, full-width space, tab, CR, LF), or with a tab,
CR or LF at all, gets a leading apostrophe, so a perk name typed by someone
cannot run as a formula. Plain numbers ("-1", "0.25") are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.models_chain import Card, Collection
from backend.db.models_perks import Perk, Redemption, Venue
from backend.perks.rules import japan_time

BOM = "\ufeff"
_FORMULA_START = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_CONTROL_START = ("\t", "\r", "\n")
_BLANKS = " \t\r\n\u3000"
# What str() of an int or a float looks like; anything else (" -1", "-inf", "－1") is not left to Excel.
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if _NUMBER.fullmatch(text):
        return text
    if text.startswith(_CONTROL_START) or text.lstrip(_BLANKS)[:1] in _FORMULA_START:
        return "'" + text
    return text


def excel_csv(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """The bytes of a CSV file Excel opens as UTF-8: BOM, CRLF, every field quoted when needed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


# A demo municipality's exports (backend/demo_mark.py) say so: the KPI file in its first row, the others in a
# last column on every row, so a sheet copied out of the file still says it.
DEMO_LABEL = "デモデータ（実際のデータではありません） demo data, not real"
DEMO_COLUMN = "デモデータ demo data"
DEMO_VALUE = "デモ demo"
# The two concentration indices say in their header what their numbers mean: staff read the CSV in Excel,
# with no help text beside it.
HHI_LABEL = "集中度・HHI（0〜10000。10000 = 1人が全部を保有）"
GINI_LABEL = "保有の偏り・ジニ係数（0 = 全員が同じ枚数、1に近いほど少数に集中）"


def _demo_rows(header: list[str], rows: Iterable[list], demo: bool) -> tuple[list[str], Iterable[list]]:
    if not demo:
        return header, rows
    return header + [DEMO_COLUMN], ([*row, DEMO_VALUE] for row in rows)


def kpis_csv(kpis: dict, demo: bool = False) -> bytes:
    """One metric per row: 指標 (metric), 値 (value), key (stable English key for scripts)."""
    c = kpis["concentration"]
    rows = [("デモデータ", DEMO_LABEL, "demo")] if demo else []
    rows += [
        ("集計日時", japan_time(kpis["as_of"], seconds=False), "as_of"),
        ("発行枚数", kpis["cards_issued"], "cards_issued"),
        ("有効なカード枚数", kpis["cards_valid"], "cards_valid"),
        ("保有者数（ユニーク）", kpis["unique_holders"], "unique_holders"),
        ("上位1保有者のシェア", c["top1_share"], "top1_share"),
        ("上位10保有者のシェア", c["top10_share"], "top10_share"),
        (HHI_LABEL, c["hhi"], "hhi"),
        (GINI_LABEL, c["gini"], "gini"),
        ("アクティブ保有者数（30日）", kpis["active_holders_30d"], "active_holders_30d"),
        ("特典利用数（30日）", kpis["redemptions_30d"], "redemptions_30d"),
    ]
    g = kpis["programme"]
    rows += [
        ("活動チェックイン数（30日）", g["checkins_30d"], "checkins_30d"),
        ("活動チェックイン数（365日）", g["checkins_365d"], "checkins_365d"),
        ("プレミアムのカード枚数", g["premium_cards"], "premium_cards"),
        ("プレミアムの人数（本人確認済み）", g["premium_people"], "premium_people"),
        ("プレミアムの更新数（365日）", g["premium_renewed_365d"], "premium_renewed_365d"),
        ("ベーシックに戻ったプレミアム（365日）", g["premium_lapsed_365d"], "premium_lapsed_365d"),
        ("承認待ちのプレミアム申請", g["premium_waiting"], "premium_waiting"),
        ("締め切った投票（365日）", g["polls_closed_365d"], "polls_closed_365d"),
        ("直近の投票の投票率", "" if g["turnout_last_poll"] is None else g["turnout_last_poll"], "turnout_last_poll"),
        ("投票率の平均（365日）", "" if g["turnout_average_365d"] is None else g["turnout_average_365d"],
         "turnout_average_365d"),
    ]
    rows += [(f"特典別利用数：{p['name_ja']}", p["redemptions"], f"perk:{p['perk_id']}")
             for p in kpis["redemptions_by_perk"]]
    rows += [(f"施設別利用数：{v['name_ja']}", v["redemptions"], f"venue:{v['venue_id']}")
             for v in kpis["redemptions_by_venue"]]
    rows += [(f"日別利用数：{d['day']}", d["redemptions"], f"day:{d['day']}") for d in kpis["redemptions_by_day"]]
    return excel_csv(["指標", "値", "key"], rows)


SERIES_HEADER = ["日付", "発行枚数（累計）", "保有中のカード", "有効なカード", "保有者数（ユニーク）",
                 "上位1保有者のシェア", "上位10保有者のシェア", HHI_LABEL, GINI_LABEL, "特典利用数"]


def kpi_series_csv(series: dict, demo: bool = False) -> bytes:
    """The KPI history (backend/staff/kpi_series.py), one Japan day per row: card figures, then uses per perk and
    per venue (one column each, named in Japanese)."""
    c, r = series["cards"], series["redemptions"]
    header = SERIES_HEADER + [f"特典：{p['name_ja']}" for p in r["by_perk"]] + \
        [f"施設：{v['name_ja']}" for v in r["by_venue"]]
    rows = []
    for i, day in enumerate(series["days"]):
        rows.append([day, c["issued"][i], c["active"][i], c["valid"][i], c["unique_holders"][i], c["top1_share"][i],
                     c["top10_share"][i], c["hhi"][i], c["gini"][i], r["total"][i]]
                    + [p["counts"][i] for p in r["by_perk"]] + [v["counts"][i] for v in r["by_venue"]])
    return excel_csv(*_demo_rows(header, rows, demo))


REDEMPTION_HEADER = ["利用日時（日本時間）", "特典", "特典（英語）", "施設", "住民番号", "トークンID", "ランク", "パスID"]


def redemptions_csv(session: Session, municipality_id: int, first_day: str, last_day: str,
                    venue_id: int | None = None, demo: bool = False) -> bytes:
    """Redemptions of the municipality's perks between two Japan dates (inclusive), oldest first."""
    q = (select(Redemption.redeemed_at, Perk.name_ja, Perk.name_en, Venue.name_ja, Card.resident_number,
                Card.token_id, Card.tier, Redemption.pass_id)
         .join(Perk, Perk.id == Redemption.perk_id).join(Collection, Collection.id == Perk.collection_id)
         .join(Venue, Venue.id == Redemption.venue_id).join(Card, Card.id == Redemption.card_id)
         .where(Collection.municipality_id == municipality_id, Redemption.day >= first_day,
                Redemption.day <= last_day)
         .order_by(Redemption.redeemed_at, Redemption.id))
    if venue_id is not None:
        q = q.where(Redemption.venue_id == venue_id)
    rows = ((japan_time(at), *rest) for at, *rest in session.execute(q))
    return excel_csv(*_demo_rows(REDEMPTION_HEADER, rows, demo))


# The audit log's CSV (backend/audit/log.py writes its rows); Japanese first, English after, as Excel shows it.
AUDIT_HEADER = ["日時（日本時間） time (JST)", "操作者の種類 actor kind", "操作者ID actor id", "操作者 actor",
                "接続元 client address", "経路 route", "操作 action", "対象 object", "対象ID object id",
                "自治体ID municipality id", "変更前 → 変更後 before → after", "id"]
