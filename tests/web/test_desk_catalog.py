"""The desk page's texts: every key it uses exists in both languages (no browser needed).

A missing key would show as the key itself on a venue's phone; the browser tests only see the
states they drive, so the keys used by the other states (camera busy, over http, ...) are checked here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "backend" / "web"
CATALOG = json.loads((WEB / "static" / "i18n" / "desk.json").read_text(encoding="utf-8"))
COMMON = json.loads((WEB / "static" / "i18n" / "common.json").read_text(encoding="utf-8"))
# The page is its template and the base it extends (header, language switch).
HTML = "".join((WEB / "templates" / name).read_text(encoding="utf-8") for name in ("desk.html", "base.html", "_parts.html"))
SCRIPT = (WEB / "static" / "js" / "desk.js").read_text(encoding="utf-8")
CAMERA_PROBLEMS = ("refused", "none", "busy", "insecure", "failed")  # CameraProblem.kind in qrscanner.js


def keys_used() -> set[str]:
    keys = set(re.findall(r'data-i18n="([\w.]+)"', HTML))
    for attr in re.findall(r'data-i18n-attr="([^"]+)"', HTML):
        keys |= {pair.split(":")[1].strip() for pair in attr.split(";") if ":" in pair}
    keys |= set(re.findall(r'\bt\("([\w.]+)"', SCRIPT))
    keys |= {key for key in re.findall(r'"((?:desk|common)\.[\w.]+)"', SCRIPT)}
    for kind in CAMERA_PROBLEMS:  # built as `desk.camera.${problem}` and `.title`
        keys |= {f"desk.camera.{kind}", f"desk.camera.{kind}.title"}
    return keys


def test_japanese_and_english_have_the_same_keys():
    assert set(CATALOG["ja"]) == set(CATALOG["en"])
    assert all(CATALOG["ja"].values()) and all(CATALOG["en"].values())


def test_every_key_the_page_uses_is_in_a_catalog():
    known = set(CATALOG["en"]) | set(COMMON["en"])
    used = keys_used()
    assert len(used) > 40  # the scan above found the page's keys
    assert not used - known, sorted(used - known)


def test_every_camera_problem_the_scanner_reports_has_advice():
    scanner = (WEB / "static" / "js" / "qrscanner.js").read_text(encoding="utf-8")
    reported = set(re.findall(r'"(refused|none|busy|insecure|failed)"', scanner))
    assert reported == set(CAMERA_PROBLEMS)
    for kind in CAMERA_PROBLEMS:
        assert "type" in CATALOG["en"][f"desk.camera.{kind}"].lower()  # always: type the code instead
        assert "入力" in CATALOG["ja"][f"desk.camera.{kind}"]
