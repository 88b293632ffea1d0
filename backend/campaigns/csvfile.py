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

    def where_en(self) -> str:
        parts = [f"line {self.line}"] if self.line else ["file"]
        if self.column:
            parts.append(f"column {self.column}")
        where = ", ".join(parts)
        return f"{where} (cell {self.cell})" if self.cell else where

    def where_ja(self) -> str:
        where = f"{self.line}行目" if self.line else "ファイル全体"
        if self.column:
            where += f"・{self.column}列"
        return f"{where}（セル {self.cell}）" if self.cell else where


class CsvFileError(ResidentError):
    """Raised when a CSV list cannot be imported; `.problems` lists every problem found."""

    def __init__(self, problems: Iterable[RowProblem], source: str | Path = "CSV") -> None:
        self.problems = list(problems)
        self.source = str(source)
        super().__init__(self._describe())

    def _describe(self) -> str:
        count = len(self.problems)
        lines = [
            f"{self.source}: {count} problem{'s' if count != 1 else ''} in this CSV file; nothing was imported. "
            "Fix the file and import it again.",
            f"{self.source}: このCSVファイルに{count}件の問題があります。何も取り込んでいません。"
            "ファイルを修正してから、もう一度取り込んでください。",
        ]
        lines += [f"  - {problem}" for problem in self.problems[:SHOWN_PROBLEMS]]
        hidden = count - SHOWN_PROBLEMS
        if hidden > 0:
            lines.append(f"  ... and {hidden} more (all are in .problems) / ほか{hidden}件")
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
        raise CsvFileError([RowProblem(
            0, "",
            "the file is saved as Unicode text (UTF-16): in Excel choose File > Save As > "
            "\"CSV UTF-8 (comma delimited)\" and import that file",
            "ファイルが「Unicode テキスト」(UTF-16) で保存されています。Excelの「名前を付けて保存」で"
            "「CSV UTF-8 (コンマ区切り)」を選んで保存し、そのファイルを取り込んでください",
        )])
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
        raise CsvFileError([RowProblem(
            line, "",
            "this line has bytes that are neither UTF-8 nor Shift_JIS text; the file may be damaged or "
            "in another format: open it in Excel and save it as \"CSV UTF-8 (comma delimited)\"",
            "この行にUTF-8でもShift_JISでもない文字があります。ファイルが壊れているか別の形式です。"
            "Excelで開いて「CSV UTF-8 (コンマ区切り)」で保存し直してください",
        )]) from None


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
            raise CsvFileError([RowProblem(
                line, "",
                f"the line cannot be read as CSV ({exc}); check quotes and remove control characters",
                f"この行をCSVとして読めません ({exc})。引用符(\")の対応と制御文字を確認してください",
            )]) from None
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

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.en, self.ja = en, ja


def parse_address(raw: str) -> str:
    """A wallet address, checksummed (EIP-55). Raises _Problem with what to fix."""
    text = _clean(raw)
    if not text:
        raise _Problem("the address is empty: write the wallet address (0x followed by 40 hex digits)",
                       "アドレスが空です。ウォレットのアドレス（0xに続く16進数40桁）を入力してください")
    if _HEX40.fullmatch(text):
        raise _Problem(f"the address must start with 0x: write 0x{text}",
                       f"アドレスは0xで始まる必要があります。0x{text} と入力してください")
    body = text[2:] if text[:2] in ("0x", "0X") else None
    if body is None:
        raise _Problem(f"{text!r} is not a wallet address: it must start with 0x followed by 40 hex digits",
                       f"{text!r} はウォレットのアドレスではありません。0xに続く16進数40桁で入力してください")
    bad = [ch for ch in body if ch not in "0123456789abcdefABCDEF"]
    if bad:
        raise _Problem(f"the address contains {bad[0]!r}, which is not a hex digit (0-9, a-f): copy it again "
                       "from the wallet",
                       f"アドレスに16進数(0-9, a-f)以外の文字 {bad[0]!r} が含まれています。"
                       "ウォレットからもう一度コピーしてください")
    if len(body) != 40:
        raise _Problem(f"the address has {len(body)} hex digits after 0x instead of 40: a character is missing "
                       "or extra; copy it again from the wallet",
                       f"アドレスの0x以降が{len(body)}桁です（正しくは40桁）。文字の欠けか余分があります。"
                       "ウォレットからもう一度コピーしてください")
    checksummed = to_checksum_address("0x" + body)
    mixed = body != body.lower() and body != body.upper()
    if mixed and checksummed[2:] != body:
        raise _Problem("the address mixes upper and lower case but its EIP-55 checksum is wrong, so it has a "
                       "typo: copy it again from the wallet",
                       "アドレスの大文字・小文字のチェックサム(EIP-55)が合いません。入力ミスがあります。"
                       "ウォレットからもう一度コピーしてください")
    if int(body, 16) == 0:
        raise _Problem("the zero address (0x000…0) cannot hold a card: write the recipient's wallet address",
                       "ゼロアドレス(0x000…0)はカードを受け取れません。受取人のウォレットアドレスを入力してください")
    return checksummed


def parse_price(raw: str) -> int | None:
    """A price in the native token (e.g. "0.01"), as wei exactly; None when empty."""
    text = _clean(raw)
    if not text:
        return None
    example_en = 'write the price in the chain\'s token (ETH, POL, ...) with a dot, no unit, e.g. 0.01; 0 = free'
    example_ja = "価格はチェーンのトークン（ETH、POLなど）の数量で、単位を付けずに小数点で入力してください（例: 0.01、無料は0）"
    if any(sign in text for sign in ("円", "¥", "$")):
        raise _Problem(f"{text!r} looks like a fiat amount; {example_en}",
                       f"{text!r} は法定通貨の金額のようです。{example_ja}")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Problem(f"{text!r} is not a number: {example_en}",
                       f"{text!r} は数値ではありません。{example_ja}") from None
    if not value.is_finite():
        raise _Problem(f"{text!r} is not a number: {example_en}", f"{text!r} は数値ではありません。{example_ja}")
    if value < 0:
        raise _Problem(f"the price {text} is negative: {example_en}", f"価格 {text} が負の数です。{example_ja}")
    with localcontext() as ctx:
        ctx.prec = 120  # exact: no rounding of long decimals
        wei = value.scaleb(18)
    if wei != wei.to_integral_value():
        raise _Problem(f"the price {text} has more than 18 decimal places (1 wei = 0.000000000000000001): "
                       "round it", f"価格 {text} の小数点以下が18桁を超えています。丸めてください")
    if wei > MAX_PRICE_WEI:
        raise _Problem(f"the price {text} is too large: prices are in whole tokens, not wei; {example_en}",
                       f"価格 {text} が大きすぎます。価格はweiではなくトークン単位です。{example_ja}")
    return int(wei)


def parse_limit(raw: str) -> int | None:
    """A per-wallet claim limit (1 .. 65,535); None when empty."""
    text = _clean(raw)
    if not text:
        return None
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_CLAIMS:
        raise _Problem(f"the limit {text!r} must be a whole number from 1 to {MAX_CLAIMS:,} (cards this wallet "
                       "may claim), or empty for the campaign's limit",
                       f"上限 {text!r} は1から{MAX_CLAIMS:,}までの整数（このウォレットが受け取れる枚数）で入力するか、"
                       "キャンペーンの上限を使う場合は空欄にしてください")
    return int(text)


_TIER_NAMES = {"basic": 0, "premium": 1, "ベーシック": 0, "一般": 0, "プレミアム": 1}


def parse_tier(raw: str) -> int | None:
    """A card tier: 0 .. 127 or basic/premium (ベーシック/プレミアム); None when empty."""
    text = _clean(raw)
    if not text:
        return None
    named = _TIER_NAMES.get(text.casefold())
    if named is not None:
        return named
    if not _DIGITS.fullmatch(text) or int(text) > MAX_TIER:
        raise _Problem(f"the tier {text!r} must be a whole number from 0 to {MAX_TIER} (0 = basic, 1 = premium), "
                       "or empty for the airdrop's tier",
                       f"ランク {text!r} は0から{MAX_TIER}までの整数（0=ベーシック、1=プレミアム）で入力するか、"
                       "空欄にしてください")
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
        raise CsvFileError([RowProblem(
            1, "",
            "the file is empty: the first row must be a header naming the columns "
            f"({', '.join(_NAMES[k] for k in kinds)}), then one row per wallet",
            f"ファイルが空です。1行目に列名の見出し（{', '.join(_NAMES[k] for k in kinds)}）、"
            "2行目から1行に1つのウォレットを入力してください",
        )], source)

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
                problems.append(RowProblem(
                    line, _letter(index),
                    "this cell is right of the last column that has a header: move the value into its column, "
                    "or give the column a header (memo / 備考 keeps it as a note)",
                    "見出しのある列より右にセルがあります。値を正しい列に移すか、この列に見出しを付けてください"
                    "（メモとして残す場合は「備考」）",
                    f"{_letter(index)}{line}",
                ))
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
                problems.append(RowProblem(
                    line, column.label,
                    f"the address {address} is on lines {first} and {line}: keep only one of the two lines",
                    f"アドレス {address} が{first}行目と{line}行目にあります。どちらか1行だけ残してください",
                    column.cell(line),
                ))
        rows.append(row)

    if not rows:
        problems.append(RowProblem(
            header_line + 1, "",
            "there are no rows under the header: add one row per wallet",
            "見出しの下にデータ行がありません。1行に1つのウォレットを入力してください",
        ))
    if problems:
        raise CsvFileError(problems, source)
    return rows


def _columns(
    line: int, header: list[str], body: list[tuple[int, list[str]]], kinds: tuple[str, ...]
) -> tuple[list[_Column], list[RowProblem]]:
    """The columns this list reads, from its header row, and the header's problems."""
    allowed = ", ".join(_NAMES[k] for k in (*kinds, NOTE))
    if len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        return [], [RowProblem(
            line, "",
            "the file uses semicolons or tabs between columns: save it from Excel as CSV (comma delimited)",
            "列の区切りがセミコロンまたはタブです。Excelで「CSV (コンマ区切り)」として保存し直してください",
        )]
    columns: list[_Column] = []
    problems: list[RowProblem] = []
    found: dict[str, _Column] = {}
    for index, raw in enumerate(header):
        name = _clean(raw)
        cell = f"{_letter(index)}{line}"
        if not name:
            if any(index < len(cells) and _clean(cells[index]) for _, cells in body):
                problems.append(RowProblem(
                    line, _letter(index),
                    f"this column has values but no header: write its name in row {line} ({allowed})",
                    f"この列には値がありますが見出しがありません。{line}行目に列名（{allowed}）を入力してください",
                    cell,
                ))
            continue
        kind = _KIND_OF.get(_key(name))
        if kind is None:
            looks_like_data = name.lower().startswith("0x")
            problems.append(RowProblem(
                line, name,
                ("the first row must be the header: insert a row above it with the column names "
                 f"({allowed})") if looks_like_data else
                f"the column name {name!r} is not known: rename it to one of {allowed}",
                (f"1行目は見出し行にしてください。上に1行挿入して列名（{allowed}）を入力してください"
                 if looks_like_data else
                 f"列名 {name!r} は使えません。{allowed} のいずれかに変更してください"),
                cell,
            ))
            continue
        if kind != NOTE and kind not in kinds:
            problems.append(RowProblem(
                line, name,
                f"the column {name!r} ({_NAMES[kind]}) is not used in this kind of list: delete the column, "
                "or rename it to memo / 備考 to keep it as a note",
                f"列 {name!r}（{_NAMES[kind]}）はこの種類のリストでは使いません。列を削除するか、"
                "メモとして残す場合は列名を「備考」にしてください",
                cell,
            ))
            continue
        if kind != NOTE and kind in found:
            first = found[kind]
            problems.append(RowProblem(
                line, name,
                f"two columns mean {_NAMES[kind]}: {first.header!r} ({_letter(first.index)}) and {name!r} "
                f"({_letter(index)}); keep one",
                f"{_NAMES[kind]} を表す列が2つあります（{_letter(first.index)}列 {first.header!r} と "
                f"{_letter(index)}列 {name!r}）。どちらか一方にしてください",
                cell,
            ))
            continue
        column = _Column(index, name, kind)
        found[kind] = column
        columns.append(column)
    if ADDRESS not in found and not any(p.message_en.startswith("the first row") for p in problems):
        problems.append(RowProblem(
            line, "",
            "no address column: the header row needs a column named address, アドレス or ウォレット",
            "アドレスの列がありません。見出し行に「アドレス」「ウォレット」または address という列が必要です",
        ))
    return columns, problems


def _load(path: Path | str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CsvFileError([RowProblem(0, "", f"there is no file at {path}: check the path",
                                       f"{path} にファイルがありません。パスを確認してください")], path) from None
    except IsADirectoryError:
        raise CsvFileError([RowProblem(0, "", f"{path} is a folder, not a CSV file",
                                       f"{path} はフォルダーです。CSVファイルを指定してください")], path) from None


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
