"""Words staff and holders read: one word for tier, no jargon without its plain words, Japan dates.

The shipped texts are the pages' catalogues (static/i18n), the message catalogue, the templates, the CSV
headers, the scripts (their printed output) and the README. Words a CSV file may *use* as a header
(backend/campaigns/csvfile.py's aliases, such as ティア) are input, not texts, and are not checked.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from backend.messages import CATALOGUE, FIELDS
from backend.perks.rules import japan_date, japan_time

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "backend" / "web"
# Tier is ランク / tier: ランク is ordered ("ランク1以上" reads), everyday Japanese, and the CSV header word.
OTHER_TIER_WORDS = re.compile(r"ティア|区分|等級|\brank\b", re.IGNORECASE)
# Jargon that has no place in a shown text: plain words say it.
BANNED = re.compile(r"ナリファイア|ネイティブトークン|native token|nullifier|salted hash", re.IGNORECASE)
# Terms that may stay, but only beside their plain words (a figure staff compare with other towns' reports).
EXPLAINED = [(re.compile(r"ジニ"), "偏り"), (re.compile(r"\bGini\b"), "inequality"), (re.compile(r"HHI"), "10000 =")]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
CSV_SOURCES = [ROOT / "backend" / "staff" / "export.py", ROOT / "backend" / "civic" / "polls.py"]


def catalogue_texts():
    for name in sorted((WEB / "static" / "i18n").glob("*.json")):
        for lang, texts in json.loads(name.read_text(encoding="utf-8")).items():
            for key, text in texts.items():
                yield f"{name.name} {lang} {key}", text
    for code, entry in CATALOGUE.items():
        yield f"messages {code} ja", entry.ja
        yield f"messages {code} en", entry.en
    for name, label in FIELDS.items():
        yield f"fields {name}", f"{label.ja} / {label.en}"


def csv_header_texts():
    """The Japanese strings of the modules that write the CSV exports: their headers and row labels."""
    for path in CSV_SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and JAPANESE.search(node.value):
                yield f"{path.name}: {node.value[:40]}", node.value


def shown_texts():
    yield from catalogue_texts()
    yield from csv_header_texts()
    for path in sorted((WEB / "templates").glob("*.html")):
        yield path.name, path.read_text(encoding="utf-8")


def test_the_card_has_one_word_in_every_shipped_text():
    """住民カード (resident card), as the holder page says it; not also 住民証."""
    files = [ROOT / "metadata" / "card.py", ROOT / "metadata" / "render.py", *sorted((ROOT / "scripts").glob("*.py"))]
    found = [where for where, text in shown_texts() if "住民証" in text]
    found += [path.name for path in files if "住民証" in path.read_text("utf-8")]
    assert found == []


def test_tier_has_one_word_in_every_shipped_text():
    files = [ROOT / "README.md", ROOT / "metadata" / "card.py", *sorted((ROOT / "scripts").glob("*.py"))]
    found = [(where, m.group()) for where, text in shown_texts() for m in OTHER_TIER_WORDS.finditer(text)]
    found += [(path.name, m.group()) for path in files for m in OTHER_TIER_WORDS.finditer(path.read_text("utf-8"))]
    assert found == []


def test_the_tier_words_are_the_ones_chosen():
    texts = dict(catalogue_texts())
    assert texts["holder.json ja holder.card.tier"] == texts["desk.json ja desk.result.tier"] == "ランク"
    assert texts["holder.json en holder.card.tier"] == texts["desk.json en desk.result.tier"] == "Tier"


def test_no_jargon_in_shown_texts():
    assert [(where, m.group()) for where, text in shown_texts() for m in BANNED.finditer(text)] == []


@pytest.mark.parametrize("term, plain", EXPLAINED, ids=["gini-ja", "gini-en", "hhi"])
def test_a_technical_figure_comes_with_its_plain_words(term, plain):
    shown = [(where, text) for where, text in shown_texts() if term.search(text)]
    assert shown, f"{term.pattern} is shown nowhere: drop it from this test"
    assert [where for where, text in shown if plain not in text.lower() and plain not in text] == []


def test_times_are_formatted_in_one_place():
    """Every time a person reads (CSV, messages, command line) comes from backend/perks/rules.py; pages use
    formatDate (static/js/i18n.js), which formats in Japan time, not the browser's zone."""
    formatters = re.compile(r"\.strftime\(|time\.gmtime\(")
    sources = [p for p in [*(ROOT / "backend").rglob("*.py"), *(ROOT / "scripts").glob("*.py")]
               if p != ROOT / "backend" / "perks" / "rules.py"]
    assert [p.relative_to(ROOT).as_posix() for p in sources if formatters.search(p.read_text("utf-8"))] == []
    printed_raw = re.compile(r"unix time|unix seconds", re.IGNORECASE)  # what scripts/claim.py printed
    printing = [(p.name, node.lineno) for p in sorted((ROOT / "scripts").glob("*.py"))
                for node in ast.walk(ast.parse(p.read_text("utf-8")))
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"
                and printed_raw.search(ast.unparse(node))]
    assert printing == []
    browser_zone = re.compile(r"toLocale\w*String|toUTCString|toDateString|toTimeString")
    scripts = sorted((WEB / "static" / "js").glob("*.js"))
    assert [p.name for p in scripts if browser_zone.search(p.read_text("utf-8"))] == []


def test_japan_time_is_japan_time():
    new_year_in_japan = 1_798_729_200  # 2027-01-01 00:00 JST = 2026-12-31 15:00 UTC
    assert japan_time(new_year_in_japan) == "2027-01-01 00:00:00"
    assert japan_time(new_year_in_japan - 60, seconds=False) == "2026-12-31 23:59"
    assert japan_date(new_year_in_japan) == "2027-01-01"
