"""The message catalogue (backend/messages/) is complete and is the only home of Japanese text.

Every code has both languages with the same placeholders; every code the source names exists; a
duplicate code stops the import; a refusal's kind has an HTTP status; no Japanese text is written in
backend/**/*.py outside the catalogue; refusals are `Refusal`s (there is no other error type with texts).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import backend
from backend import errors, messages
from backend.api.handlers import HTTP_CODES, STATUS, explain, status_of
from backend.errors import Refusal
from backend.messages import CATALOGUE, FIELDS, KINDS, REFUSALS, Label, Message, Texts, UnknownMessage, texts
from backend.messages.entry import DETAIL, placeholders
from backend.messages.validation import TYPES

BACKEND = Path(backend.__file__).parent
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]")
# Japanese that is data, not a message: demo content, the headers of the CSV files staff's spreadsheets
# read, the header words a CSV may use, the sender's display name, examples in field descriptions.
DATA = {
    "demo.py": None, "demo_history.py": None, "civic/demo.py": None, "residency/demo.py": None, "staff/export.py": None,
    "civic/polls.py": {"results_csv"},
    "settings.py": {"mail_from"},
    "campaigns/csvfile.py": {"_ALIASES", "_NAMES", "_TIER_NAMES", "_FIAT_SIGNS", "_key"},
    "chain/networks.py": {"NETWORKS", "unprofiled"},  # chains' proper names in Japanese: data of each profile
}
CATALOGUE_HOME = "messages/"


def _modules():
    for info in pkgutil.walk_packages(backend.__path__, "backend."):
        yield importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _sources():
    for path in sorted(BACKEND.rglob("*.py")):
        yield path.relative_to(BACKEND).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_both_languages_with_the_same_placeholders(code):
    entry = CATALOGUE[code]
    assert entry.ja.strip() and entry.en.strip() and entry.kind in KINDS
    assert placeholders(entry.ja) == placeholders(entry.en), code
    assert JAPANESE.search(entry.ja) or entry.ja == entry.en or entry.kind == DETAIL, f"{code}: ja is not Japanese"


def test_every_refusal_kind_has_an_http_status_and_only_refusals_can_be_raised():
    assert set(STATUS) == REFUSALS
    assert all(400 <= status < 600 for status in STATUS.values())
    with pytest.raises(ValueError, match="not a refusal"):
        Refusal("ok")  # a verdict text, shown in a 200 answer


def test_an_unknown_code_fails_loudly():
    with pytest.raises(UnknownMessage, match="no_such_code"):
        texts("no_such_code")
    with pytest.raises(UnknownMessage):
        Refusal("no_such_code")


def test_a_code_defined_twice_stops_the_import():
    class Area:
        __name__ = "backend.messages.twice"
        MESSAGES = {"not_found": Message("二度目", "Again", "not_found")}

    with pytest.raises(ValueError, match="'not_found' is defined twice"):
        messages._merge(messages.http, Area)


def test_a_refusal_fills_its_placeholders_adds_its_detail_and_sends_the_rest_along():
    refusal = Refusal("municipality_not_found", municipality_id=7, note="kept")
    assert (refusal.message_en, refusal.message_ja) == ("No municipality 7.", "自治体 7 はありません。")
    assert refusal.extra == {"note": "kept"} and status_of(refusal) == 404
    town = Texts(ja="加賀市", en="Kaga City")
    detailed = Refusal("activity_other_municipality", detail="activity_of", town=town)
    assert detailed.message_en.endswith(" (the activity is Kaga City's)") and "加賀市の活動" in detailed.message_ja
    assert detailed.extra == {}


def test_every_code_the_source_names_exists():
    for _ in _modules():  # every Refusal subclass is defined once its module is imported
        pass
    refusal_classes = {cls.__name__ for cls in _subclasses(Refusal)} | {"Refusal"}
    takes_a_code = refusal_classes | {"texts", "text", "bilingual", "english_first", "verdict", "refusal", "PassError",
                                      "_Problem", "PydanticCustomError"}
    used: dict[str, str] = {}
    for name, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func == "text" and len(node.args) < 2:
                continue  # sqlalchemy's text("SQL")
            if func in takes_a_code and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                used.setdefault(node.args[0].value, name)
            for keyword in node.keywords:
                if keyword.arg == "detail" and isinstance(keyword.value, ast.Constant) and func in takes_a_code:
                    used.setdefault(keyword.value.value, name)
            if func == "ClaimOffer" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                used.setdefault(node.args[1].value, name)
            if func == "of" and len(node.args) > 2 and isinstance(node.args[2], ast.Constant):  # RowProblem.of
                used.setdefault(node.args[2].value, name)
            if func == "step" and node.args and isinstance(node.args[0], ast.Constant):
                used.setdefault(f"step_{node.args[0].value}", name)
    for cls in _subclasses(Refusal):
        if cls.code:
            used.setdefault(cls.code, cls.__module__)
    # Codes built from data: tables that map to codes, and the f-strings of perks/rules.py.
    from backend.campaigns.reasons import REVERTS
    from backend.perks.rules import CARD_STATUSES, PERIODS

    tables = [*HTTP_CODES.values(), *TYPES.values(), *(c for pair in REVERTS.values() for c in pair),
              *CARD_STATUSES, *(f"limit_{p}" for p in PERIODS if p != "unlimited"), "field_value", "invalid_request"]
    used.update({code: "a table" for code in tables})
    missing = {code: where for code, where in used.items() if code not in CATALOGUE}
    assert not missing
    assert len(used) > 150  # the scan sees the codes (a broken scan would find none and pass)


def test_no_japanese_text_outside_the_catalogue():
    found = []
    for name, tree in _sources():
        if name.startswith(CATALOGUE_HOME) or (name in DATA and DATA[name] is None):
            continue
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        allowed = set()
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif isinstance(node, ast.FunctionDef):
                targets = [ast.Name(node.name)]
            if any(getattr(t, "id", None) in (DATA.get(name) or ()) for t in targets):
                allowed |= {id(n) for n in ast.walk(node)}
            if isinstance(node, ast.keyword) and node.arg == "description":
                allowed |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and JAPANESE.search(node.value) \
                    and id(node) not in docstrings and id(node) not in allowed:
                found.append(f"{name}:{node.lineno}: {node.value[:40]!r}")
    assert not found, "\n".join(found)


def test_every_field_label_has_both_languages():
    assert FIELDS and all(isinstance(label, Label) and label.ja and label.en for label in FIELDS.values())


def test_validation_errors_name_the_field_the_way_the_page_does():
    en, ja = explain([
        {"loc": ("body", "name_ja"), "type": "string_too_short", "msg": "String should have at least 1 character",
         "ctx": {"min_length": 1}},
        {"loc": ("body", "min_tier"), "type": "greater_than_equal", "msg": "...", "ctx": {"ge": 0}},
        {"loc": ("query", "unknown_field"), "type": "missing", "msg": "Field required"},
    ])
    assert ja == ("リクエストが正しくありません: 名前（日本語）は1文字以上で入力してください。必要なランクは0以上にしてください。"
                  "unknown_fieldを入力してください。")
    assert en == ("The request is not valid: Name (Japanese) must be at least 1 characters long; Minimum tier must be "
                  "0 or more; unknown_field is required.")
    assert "String should have" not in ja


def test_refusals_are_refusals_and_domain_code_builds_no_http_errors():
    # One refusal type: the transitional ApiError (status and both texts written at the raise) is gone for good.
    assert not hasattr(errors, "ApiError")
    offenders = [f"{name}:{node.lineno}" for name, tree in _sources() for node in ast.walk(tree)
                 if (isinstance(node, ast.Name) and node.id == "ApiError")
                 or (isinstance(node, ast.Name) and node.id == "HTTPException" and not name.startswith("api/"))]
    assert not offenders


def test_a_verdict_refuses_a_request_only_as_a_named_kind():
    said = texts("card_expired", expired_on="2026-12-01")
    recorded = {"code": "card_expired", "message_en": said.en, "message_ja": said.ja}
    with pytest.raises(ValueError, match="not a refusal"):
        Refusal.again(recorded)
    refusal = Refusal.again(recorded, as_kind="conflict")
    assert (refusal.code, status_of(refusal), refusal.message_ja) == ("card_expired", 409, said.ja)
    with pytest.raises(ValueError, match="only a verdict"):
        Refusal.again({"code": "not_found", "message_en": "x", "message_ja": "x"}, as_kind="conflict")


def test_a_validators_own_error_type_is_explained_from_the_catalogue():
    error = {"loc": ("body",), "type": "campaign_ends_before_start", "msg": "ends_at must be after starts_at"}
    en, ja = explain([error])
    assert ja == "リクエストが正しくありません: 終了日時は開始日時より後にしてください。"
    assert en == "The request is not valid: ends_at must be after starts_at."
