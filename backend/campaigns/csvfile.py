"""Allowlists and airdrop lists from CSV files, as staff make them in Excel.

Staff save lists from Excel, which in Japan writes Shift_JIS (Microsoft's
cp932) for "CSV" and UTF-8 with a byte-order mark for "CSV UTF-8"; others
send plain UTF-8. Line ends are CRLF. Headers may be English or Japanese.

Every problem is collected before anything is returned, so one import shows
staff all of them at once, each with the row number Excel shows (the header
is row 1), the column, and what to fix, in English and in Japanese. A list
with any problem is refused as a whole: half a list is never imported.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path

from eth_utils import to_checksum_address

from backend.errors import ResidentError
from backend.messages import text, texts

WEI_PER_ETHER = 10**18
# A wallet can never hold more than the contract's largest wallet cap.
MAX_CLAIMS = 65_535
# ResidentCard stores the tier in 7 bits.
MAX_TIER = 127
# Prices beyond this are typos (the price column is in whole tokens, not wei).
MAX_PRICE_WEI = 10**9 * WEI_PER_ETHER
# str() of an error lists this many problems; `.problems` always has them all.
SHOWN_PROBLEMS = 50

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class RowProblem:
    """One thing to fix in a CSV file.

    `line` is the row number Excel shows (header = 1; 0 = the file as a whole),
    `column` the column's header as written in the file (or its letter when it
    has none), `cell` the Excel cell reference (e.g. "B7") when there is one.
    """

    line: int
    column: str
    message_en: str
    message_ja: str
    cell: str = ""

    def __str__(self) -> str:
        return f"{self.where_en()}: {self.message_en}\n    {self.where_ja()}: {self.message_ja}"

    @classmethod
    def of(cls, line: int, column: str, code: str, cell: str = "", /, **values) -> RowProblem:
        """The problem `code` (texts in backend/messages/campaigns.py) at `line`, `column`, `cell`."""
        said = texts(code, **values)
        return cls(line, column, said.en, said.ja, cell)

    def where_en(self) -> str:
        return self._where("en")

    def where_ja(self) -> str:
        return self._where("ja")

    def _where(self, lang: str) -> str:
        where = text("csv_where_line", lang, line=self.line) if self.line else text("csv_where_file", lang)
        if self.column:
            where += text("csv_where_column", lang, column=self.column)
        return where + text("csv_where_cell", lang, cell=self.cell) if self.cell else where


class CsvFileError(ResidentError):
    """Raised when a CSV list cannot be imported; `.problems` lists every problem found."""

    def __init__(self, problems: Iterable[RowProblem], source: str | Path = "CSV") -> None:
        self.problems = list(problems)
        self.source = str(source)
        super().__init__(self._describe())

    def _describe(self) -> str:
        said = texts("csv_invalid_file", source=self.source, count=len(self.problems))
        lines = [said.en, said.ja]
        lines += [f"  - {problem}" for problem in self.problems[:SHOWN_PROBLEMS]]
        hidden = len(self.problems) - SHOWN_PROBLEMS
        if hidden > 0:
            more = texts("csv_more_problems", hidden=hidden)
            lines.append(f"  {more.en} / {more.ja}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AllowlistRow:
    """One allowlisted wallet: its price (wei) and claim limit, or None for the campaign's own."""

    line: int
    address: str
    price_wei: int | None
    max_claims: int | None


@dataclass(frozen=True)
class RecipientRow:
    """One wallet of an airdrop list, with its tier or None for the airdrop's default."""

    line: int
    address: str
    tier: int | None


# ----------------------------------------------------------------------
# Columns
# ----------------------------------------------------------------------


def _key(text: str) -> str:
    """A header as compared: full-width folded, lower case, no spaces or punctuation."""
    folded = unicodedata.normalize("NFKC", text).strip().casefold()
    return re.sub(r"[\s_\-.・()（）:：/]", "", folded)


ADDRESS, PRICE, LIMIT, TIER, NOTE = "address", "price", "limit", "tier", "note"

_ALIASES: dict[str, set[str]] = {
    ADDRESS: {"address", "walletaddress", "wallet", "addr", "recipient", "アドレス", "ウォレット",
              "ウォレットアドレス", "宛先", "宛先アドレス", "受取アドレス"},
    PRICE: {"price", "priceeth", "priceinether", "価格", "金額", "単価", "販売価格"},
    LIMIT: {"limit", "maxclaims", "max", "maxcards", "上限", "上限数", "上限枚数", "購入上限", "最大数", "最大枚数"},
    TIER: {"tier", "rank", "ランク", "ティア", "等級"},
    # Columns staff keep for themselves; never read (and never put on chain).
    NOTE: {"memo", "note", "notes", "comment", "name", "no", "#", "備考", "メモ", "コメント", "名前", "氏名", "番号"},
}
_KIND_OF = {_key(alias): kind for kind, aliases in _ALIASES.items() for alias in aliases}

_NAMES = {ADDRESS: "address / アドレス", PRICE: "price / 価格", LIMIT: "limit / 上限", TIER: "tier / ランク",
          NOTE: "memo / 備考"}


def _letter(index: int) -> str:
    """Excel's column letter for a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    kind: str

    def cell(self, line: int) -> str:
        return f"{_letter(self.index)}{line}"

    @property
    def label(self) -> str:
        return self.header or _letter(self.index)


# ----------------------------------------------------------------------
# Decoding and splitting into rows
# ----------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 with BOM, UTF-8, else Shift_JIS (cp932, as Excel writes it)."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data, "utf-8-sig")
    if data.startswith(_UTF16_BOMS):
        raise CsvFileError([RowProblem.of(0, "", "csv_utf16")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode(data, "cp932")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvFileError([RowProblem.of(line, "", "csv_bad_bytes")]) from None


def _records(text: str) -> list[tuple[int, list[str]]]:
    """(Excel row number, cells) per record; a quoted cell may span several physical lines."""
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 0
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            raise CsvFileError([RowProblem.of(line, "", "csv_unreadable_line", reason=exc)]) from None
        rows.append((line, cells))


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _clean(cell: str) -> str:
    """A cell as meant: full-width letters and digits folded (０ｘ → 0x), spaces and
    invisible characters (zero-width spaces pasted from web pages) removed."""
    return unicodedata.normalize("NFKC", cell).translate(_INVISIBLE).strip()


# ----------------------------------------------------------------------
# Cells
# ----------------------------------------------------------------------


class _Problem(Exception):
    """A cell's problem, raised by a cell parser and placed by the caller."""

    def __init__(self, code: str, **values) -> None:
        said = texts(code, **values)  # backend/messages/campaigns.py
        super().__init__(said.en)
        self.en, self.ja = said.en, said.ja


def parse_address(raw: str) -> str:
    """A wallet address, checksummed (EIP-55). Raises _Problem with what to fix."""
    text = _clean(raw)
    if not text:
        raise _Problem("csv_address_empty")
    if _HEX40.fullmatch(text):
        raise _Problem("csv_address_no_0x", text=text)
    body = text[2:] if text[:2] in ("0x", "0X") else None
    if body is None:
        raise _Problem("csv_not_an_address", text=text)
    bad = [ch for ch in body if ch not in "0123456789abcdefABCDEF"]
    if bad:
        raise _Problem("csv_address_not_hex", char=bad[0])
    if len(body) != 40:
        raise _Problem("csv_address_length", digits=len(body))
    checksummed = to_checksum_address("0x" + body)
    mixed = body != body.lower() and body != body.upper()
    if mixed and checksummed[2:] != body:
        raise _Problem("csv_address_checksum")
    if int(body, 16) == 0:
        raise _Problem("csv_zero_address")
    return checksummed


def parse_price(raw: str) -> int | None:
    """A price in the native token (e.g. "0.01"), as wei exactly; None when empty."""
    text = _clean(raw)
    if not text:
        return None
    example = texts("csv_price_example")
    if any(sign in text for sign in _FIAT_SIGNS):
        raise _Problem("csv_price_fiat", text=text, example=example)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Problem("csv_price_not_number", text=text, example=example) from None
    if not value.is_finite():
        raise _Problem("csv_price_not_number", text=text, example=example)
    if value < 0:
        raise _Problem("csv_price_negative", text=text, example=example)
    with localcontext() as ctx:
        ctx.prec = 120  # exact: no rounding of long decimals
        wei = value.scaleb(18)
    if wei != wei.to_integral_value():
        raise _Problem("csv_price_decimals", text=text)
    if wei > MAX_PRICE_WEI:
        raise _Problem("csv_price_too_large", text=text, example=example)
    return int(wei)


def parse_limit(raw: str) -> int | None:
    """A per-wallet claim limit (1 .. 65,535); None when empty."""
    text = _clean(raw)
    if not text:
        return None
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_CLAIMS:
        raise _Problem("csv_limit_invalid", text=text, max=f"{MAX_CLAIMS:,}")
    return int(text)


_TIER_NAMES = {"basic": 0, "premium": 1, "ベーシック": 0, "一般": 0, "プレミアム": 1}
_FIAT_SIGNS = ("円", "¥", "$")  # a price written in money, not in the chain's token


def parse_tier(raw: str) -> int | None:
    """A card tier: 0 .. 127 or basic/premium (ベーシック/プレミアム); None when empty."""
    text = _clean(raw)
    if not text:
        return None
    named = _TIER_NAMES.get(text.casefold())
    if named is not None:
        return named
    if not _DIGITS.fullmatch(text) or int(text) > MAX_TIER:
        raise _Problem("csv_tier_invalid", text=text, max=MAX_TIER)
    return int(text)


# ----------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------

_Row = dict[str, object]


def _read_table(
    data: bytes,
    source: str,
    kinds: tuple[str, ...],
    parsers: dict[str, Callable[[str], object]],
) -> list[_Row]:
    """Rows of `data` as {"line", kind: parsed value}; raises CsvFileError with every problem."""
    records = _records(decode(data))
    records = [(line, cells) for line, cells in records if any(_clean(c) for c in cells)]
    if records and _clean(records[0][1][0]).lower().startswith("sep="):
        records = records[1:]  # Excel's "sep=," hint line, before the header
    if not records:
        raise CsvFileError([RowProblem.of(1, "", "csv_empty", names=", ".join(_NAMES[k] for k in kinds))], source)

    header_line, header = records[0]
    columns, problems = _columns(header_line, header, records[1:], kinds)
    if problems:
        raise CsvFileError(problems, source)

    rows: list[_Row] = []
    seen: dict[str, int] = {}
    width = max((c.index for c in columns), default=-1) + 1
    for line, cells in records[1:]:
        for index in range(width, len(cells)):
            if _clean(cells[index]):
                problems.append(RowProblem.of(line, _letter(index), "csv_cell_right_of_header",
                                              f"{_letter(index)}{line}"))
                break
        row: _Row = {"line": line}
        for column in columns:
            if column.kind == NOTE:
                continue
            cell = cells[column.index] if column.index < len(cells) else ""
            try:
                row[column.kind] = parsers[column.kind](cell)
            except _Problem as problem:
                problems.append(RowProblem(line, column.label, problem.en, problem.ja, column.cell(line)))
                row[column.kind] = None
        address = row.get(ADDRESS)
        if isinstance(address, str):
            first = seen.setdefault(address, line)
            if first != line:
                column = next(c for c in columns if c.kind == ADDRESS)
                problems.append(RowProblem.of(line, column.label, "csv_address_twice", column.cell(line),
                                              address=address, first=first, line=line))
        rows.append(row)

    if not rows:
        problems.append(RowProblem.of(header_line + 1, "", "csv_no_rows"))
    if problems:
        raise CsvFileError(problems, source)
    return rows


def _columns(
    line: int, header: list[str], body: list[tuple[int, list[str]]], kinds: tuple[str, ...]
) -> tuple[list[_Column], list[RowProblem]]:
    """The columns this list reads, from its header row, and the header's problems."""
    allowed = ", ".join(_NAMES[k] for k in (*kinds, NOTE))
    if len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        return [], [RowProblem.of(line, "", "csv_wrong_separator")]
    columns: list[_Column] = []
    problems: list[RowProblem] = []
    found: dict[str, _Column] = {}
    for index, raw in enumerate(header):
        name = _clean(raw)
        cell = f"{_letter(index)}{line}"
        if not name:
            if any(index < len(cells) and _clean(cells[index]) for _, cells in body):
                problems.append(RowProblem.of(line, _letter(index), "csv_column_without_header", cell, line=line,
                                              allowed=allowed))
            continue
        kind = _KIND_OF.get(_key(name))
        if kind is None:
            looks_like_data = name.lower().startswith("0x")
            problems.append(RowProblem.of(line, name, "csv_header_missing" if looks_like_data else "csv_column_unknown",
                                          cell, name=name, allowed=allowed))
            continue
        if kind != NOTE and kind not in kinds:
            problems.append(RowProblem.of(line, name, "csv_column_unused", cell, name=name, kind=_NAMES[kind]))
            continue
        if kind != NOTE and kind in found:
            first = found[kind]
            problems.append(RowProblem.of(line, name, "csv_column_twice", cell, kind=_NAMES[kind], first=first.header,
                                          first_letter=_letter(first.index), name=name, letter=_letter(index)))
            continue
        column = _Column(index, name, kind)
        found[kind] = column
        columns.append(column)
    if ADDRESS not in found and not any(p.message_en.startswith("the first row") for p in problems):
        problems.append(RowProblem.of(line, "", "csv_no_address_column"))
    return columns, problems


def _load(path: Path | str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CsvFileError([RowProblem.of(0, "", "csv_no_file", path=path)], path) from None
    except IsADirectoryError:
        raise CsvFileError([RowProblem.of(0, "", "csv_is_folder", path=path)], path) from None


def parse_allowlist(data: bytes, source: str = "allowlist") -> list[AllowlistRow]:
    """Allowlist rows from the bytes of a CSV file (an upload); see read_allowlist."""
    rows = _read_table(data, source, (ADDRESS, PRICE, LIMIT),
                       {ADDRESS: parse_address, PRICE: parse_price, LIMIT: parse_limit})
    return [AllowlistRow(r["line"], r[ADDRESS], r.get(PRICE), r.get(LIMIT)) for r in rows]


def read_allowlist(path: Path | str) -> list[AllowlistRow]:
    """An allowlist: columns address (required), price in the native token and limit (optional).

    Raises CsvFileError listing every problem; returns rows in file order.
    """
    return parse_allowlist(_load(path), str(path))


def parse_recipients(data: bytes, source: str = "airdrop list") -> list[RecipientRow]:
    """Airdrop rows from the bytes of a CSV file (an upload); see read_recipients."""
    rows = _read_table(data, source, (ADDRESS, TIER), {ADDRESS: parse_address, TIER: parse_tier})
    return [RecipientRow(r["line"], r[ADDRESS], r.get(TIER)) for r in rows]


def read_recipients(path: Path | str) -> list[RecipientRow]:
    """An airdrop list: columns address (required) and tier (optional).

    Raises CsvFileError listing every problem; returns rows in file order.
    """
    return parse_recipients(_load(path), str(path))
