"""Every text key the web pages use exists in both languages (static/i18n/*.json), and every catalog has
the same keys in Japanese and English. Keys built at run time (t(`holder.tier.${n}`)) are not checked here."""

import json
import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "backend" / "web"
CATALOGS = sorted((WEB / "static" / "i18n").glob("*.json"))
KEY = r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+"
USES = [
    re.compile(rf"""\bt\(\s*["']({KEY})["']"""),  # t("holder.title", ...)
    re.compile(rf"""data-i18n=["']({KEY})["']"""),  # <h1 data-i18n="...">
    re.compile(rf"""["']?i18n["']?\s*:\s*["']({KEY})["']"""),  # h("p", {i18n: "..."})
    re.compile(rf"""dataset\.i18n\s*=\s*["']({KEY})["']"""),
]
ATTRIBUTE_KEYS = re.compile(r"""data-i18n-attr=["']([^"']+)["']""")


def all_keys() -> dict[str, set[str]]:
    keys = {"ja": set(), "en": set()}
    for path in CATALOGS:
        catalog = json.loads(path.read_text(encoding="utf-8"))
        for lang in keys:
            keys[lang] |= set(catalog.get(lang, {}))
    return keys


def used_keys() -> dict[str, set[str]]:
    used = {}
    for path in [*(WEB / "static" / "js").glob("*.js"), *(WEB / "pages").glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        for pattern in USES:
            for key in pattern.findall(text):
                used.setdefault(key, set()).add(path.name)
        for spec in ATTRIBUTE_KEYS.findall(text):
            for pair in spec.split(";"):
                key = pair.split(":", 1)[-1].strip()
                if re.fullmatch(KEY, key):
                    used.setdefault(key, set()).add(path.name)
    return used


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_each_catalog_has_the_same_keys_in_both_languages(path):
    catalog = json.loads(path.read_text(encoding="utf-8"))
    assert set(catalog) == {"ja", "en"}
    assert sorted(set(catalog["ja"]) ^ set(catalog["en"])) == []
    assert all(text.strip() for lang in ("ja", "en") for text in catalog[lang].values())


def test_every_key_the_pages_use_is_in_the_catalogs():
    keys = all_keys()
    used = used_keys()
    assert len(used) > 50  # the scan finds the pages' keys
    missing = {key: sorted(files) for key, files in used.items() if key not in keys["ja"] or key not in keys["en"]}
    assert missing == {}
