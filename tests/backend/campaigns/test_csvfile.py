"""CSV import of allowlists and airdrop lists, from files written in the encodings Excel uses."""

import codecs

import pytest

from backend.campaigns.csvfile import (
    SHOWN_PROBLEMS,
    AllowlistRow,
    CsvFileError,
    RecipientRow,
    RowProblem,
    parse_allowlist,
    parse_recipients,
    read_allowlist,
    read_recipients,
)
from backend.chain.deployments import ROOT
from backend.errors import ResidentError

# Real wallets (the Remix test accounts) in their EIP-55 form, lower case and upper case.
ALICE = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
BOB = "0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2"
CAROL = "0x4B20993Bc481177ec7E8f571ceCaE8A9e22C02db"
# ALICE with one letter's case flipped: a mixed-case address whose checksum is wrong.
ALICE_TYPO = "0x5B38Da6a701c568545dCfcB03FcB875f56beddc4"


def write(tmp_path, text, encoding="utf-8", name="list.csv", crlf=True):
    """Writes `text` as Excel would: CRLF line ends, in `encoding` (utf-8-sig adds the BOM)."""
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems_of(call, *args):
    with pytest.raises(CsvFileError) as caught:
        call(*args)
    return caught.value.problems


def only_problem(call, *args):
    problems = problems_of(call, *args)
    assert len(problems) == 1, problems
    return problems[0]


# ----------------------------------------------------------------------
# Encodings and layout
# ----------------------------------------------------------------------


def test_shift_jis_allowlist_with_japanese_headers(tmp_path):
    path = write(tmp_path, f"アドレス,価格,上限,備考\n{ALICE},0.01,2,山田さん（祢）\n{BOB},,,\n", "cp932")
    assert path.read_bytes().startswith("アドレス".encode("cp932"))
    assert read_allowlist(path) == [
        AllowlistRow(2, ALICE, 10**16, 2),
        AllowlistRow(3, BOB, None, None),
    ]


def test_utf8_with_bom_airdrop_list(tmp_path):
    path = write(tmp_path, f"ウォレット,ランク\n{ALICE},1\n{BOB},\n", "utf-8-sig")
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    assert read_recipients(path) == [RecipientRow(2, ALICE, 1), RecipientRow(3, BOB, None)]


def test_utf8_without_bom_and_lf_line_ends(tmp_path):
    path = write(tmp_path, f"address,tier\n{ALICE},0\n", crlf=False)
    assert read_recipients(path) == [RecipientRow(2, ALICE, 0)]


def test_english_headers_in_any_case_and_spacing(tmp_path):
    path = write(tmp_path, f" Wallet Address ,Price (ETH),MAX_CLAIMS,Memo\n{ALICE},1.5,3,x\n")
    assert read_allowlist(path) == [AllowlistRow(2, ALICE, 15 * 10**17, 3)]


def test_full_width_characters_are_folded(tmp_path):
    # Japanese input methods type full-width digits and letters.
    wide = ALICE.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    path = write(tmp_path, f"アドレス,価格\n{wide},０．５\n", "cp932")
    assert read_allowlist(path) == [AllowlistRow(2, ALICE, 5 * 10**17, None)]


def test_zero_width_spaces_pasted_from_the_web_are_removed(tmp_path):
    path = write(tmp_path, f"address\n\u200b{ALICE}\u200b\n")
    assert read_recipients(path) == [RecipientRow(2, ALICE, None)]


def test_excel_separator_hint_line_is_skipped(tmp_path):
    path = write(tmp_path, f"sep=,\naddress,tier\n{ALICE},1\n")
    assert read_recipients(path) == [RecipientRow(3, ALICE, 1)]


def test_lower_and_upper_case_addresses_are_checksummed(tmp_path):
    upper = "0x" + BOB[2:].upper()
    path = write(tmp_path, f"address\n{ALICE.lower()}\n{upper}\n0X{CAROL[2:].lower()}\n")
    assert [row.address for row in read_recipients(path)] == [ALICE, BOB, CAROL]


def test_blank_rows_are_skipped_and_line_numbers_stay_excels(tmp_path):
    path = write(tmp_path, f"address,tier\n{ALICE},1\n\n,\n{BOB},0\n")
    assert read_recipients(path) == [RecipientRow(2, ALICE, 1), RecipientRow(5, BOB, 0)]


def test_quoted_cell_over_two_lines_counts_as_one_row(tmp_path):
    path = write(tmp_path, f'address,memo\n{ALICE},"first\nsecond"\n{BOB},x\n0x12,y\n')
    problem = only_problem(read_recipients, path)
    assert problem.line == 4  # Excel shows the two-line note as one row (row 2)


def test_price_converts_to_wei_exactly(tmp_path):
    path = write(tmp_path, "address,price\n" + "\n".join([
        f"{ALICE},0.000000000000000001",
        f"{BOB},123456789.123456789123456789",
        f"{CAROL},1E-08",
    ]) + "\n")
    assert [row.price_wei for row in read_allowlist(path)] == [1, 123456789123456789123456789, 10**10]


def test_zero_price_is_a_free_claim_not_empty(tmp_path):
    path = write(tmp_path, f"address,price\n{ALICE},0\n{BOB},\n")
    assert [row.price_wei for row in read_allowlist(path)] == [0, None]


def test_tier_names_are_accepted(tmp_path):
    path = write(tmp_path, f"アドレス,ランク\n{ALICE},プレミアム\n{BOB},basic\n{CAROL},127\n", "cp932")
    assert [row.tier for row in read_recipients(path)] == [1, 0, 127]


def test_parse_takes_the_bytes_of_an_upload():
    data = f"アドレス,上限\r\n{ALICE},1\r\n".encode("cp932")
    assert parse_allowlist(data, "upload.csv") == [AllowlistRow(2, ALICE, None, 1)]
    assert parse_recipients(f"address\n{BOB}\n".encode()) == [RecipientRow(2, BOB, None)]


# ----------------------------------------------------------------------
# Errors: every one names its line and column and says what to fix, in both languages
# ----------------------------------------------------------------------


def test_error_is_a_resident_error_with_both_languages(tmp_path):
    path = write(tmp_path, f"address\n{ALICE_TYPO}\n")
    with pytest.raises(CsvFileError) as caught:
        read_recipients(path)
    error = caught.value
    assert isinstance(error, ResidentError)
    assert error.problems == [RowProblem(2, "address", error.problems[0].message_en,
                                         error.problems[0].message_ja, "A2")]
    text = str(error)
    assert str(path) in text
    assert "line 2, column address (cell A2)" in text
    assert "2行目・address列（セル A2）" in text
    assert "checksum" in text and "チェックサム" in text
    assert "nothing was imported" in text and "何も取り込んでいません" in text


def test_bad_checksum_is_an_error(tmp_path):
    problem = only_problem(read_recipients, write(tmp_path, f"address\n{ALICE}\n{ALICE_TYPO.replace('C4', 'c4')}\n"))
    assert (problem.line, problem.column, problem.cell) == (3, "address", "A3")
    assert "EIP-55" in problem.message_en and "typo" in problem.message_en
    assert "チェックサム" in problem.message_ja


def test_duplicate_names_both_lines(tmp_path):
    path = write(tmp_path, f"アドレス\n{ALICE}\n{BOB}\n{ALICE.lower()}\n", "cp932")
    problem = only_problem(read_recipients, path)
    assert (problem.line, problem.column) == (4, "アドレス")
    assert "lines 2 and 4" in problem.message_en
    assert "2行目と4行目" in problem.message_ja


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("", "empty"),
        (ALICE[2:], f"write 0x{ALICE[2:]}"),
        ("alice.eth", "not a wallet address"),
        (ALICE[:-1], "39 hex digits"),
        (ALICE + "0", "41 hex digits"),
        (ALICE[:-1] + "g", "'g'"),
        ("0x" + "0" * 40, "zero address"),
    ],
)
def test_bad_address_says_what_to_fix(tmp_path, cell, says):
    problem = only_problem(read_recipients, write(tmp_path, f"address,memo\n{BOB},\n{cell},x\n"))
    assert (problem.line, problem.column, problem.cell) == (3, "address", "A3")
    assert says in problem.message_en
    assert problem.message_ja


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("abc", "not a number"),
        ("-1", "negative"),
        ("1,000", "not a number"),
        ("0.0000000000000000001", "more than 18 decimal places"),
        ("1000円", "fiat"),
        ("NaN", "not a number"),
        ("10000000000000000000000000", "too large"),
    ],
)
def test_bad_price_says_what_to_fix(tmp_path, cell, says):
    problem = only_problem(read_allowlist, write(tmp_path, f'アドレス,価格\n{ALICE},"{cell}"\n', "cp932"))
    assert (problem.line, problem.column, problem.cell) == (2, "価格", "B2")
    assert says in problem.message_en
    assert "価格" in problem.message_ja


@pytest.mark.parametrize("cell", ["0", "-1", "2.5", "65536", "many"])
def test_bad_limit_says_what_to_fix(tmp_path, cell):
    problem = only_problem(read_allowlist, write(tmp_path, f"address,price,limit\n{ALICE},,{cell}\n"))
    assert (problem.line, problem.column, problem.cell) == (2, "limit", "C2")
    assert "whole number from 1 to 65,535" in problem.message_en
    assert "上限" in problem.message_ja


@pytest.mark.parametrize("cell", ["128", "-1", "gold", "1.0"])
def test_bad_tier_says_what_to_fix(tmp_path, cell):
    problem = only_problem(read_recipients, write(tmp_path, f"address,tier\n{ALICE},{cell}\n"))
    assert (problem.line, problem.column, problem.cell) == (2, "tier", "B2")
    assert "from 0 to 127" in problem.message_en


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    path = write(tmp_path, f"address,price,limit\n{ALICE},x,0\n0x12,,\n{ALICE},0.1,1\n")
    problems = problems_of(read_allowlist, path)
    assert [(p.line, p.column) for p in problems] == [(2, "price"), (2, "limit"), (3, "address"), (4, "address")]


def test_display_is_capped_but_every_problem_is_kept(tmp_path):
    path = write(tmp_path, "address\n" + "nope\n" * (SHOWN_PROBLEMS + 7))
    with pytest.raises(CsvFileError) as caught:
        read_recipients(path)
    assert len(caught.value.problems) == SHOWN_PROBLEMS + 7
    text = str(caught.value)
    assert "and 7 more" in text and "ほか7件" in text
    assert text.count("not a wallet address") == SHOWN_PROBLEMS


def test_empty_file(tmp_path):
    for content in (b"", b"\r\n\r\n", codecs.BOM_UTF8):
        (tmp_path / "empty.csv").write_bytes(content)
        problem = only_problem(read_recipients, tmp_path / "empty.csv")
        assert problem.line == 1
        assert "empty" in problem.message_en and "空" in problem.message_ja


def test_header_without_rows(tmp_path):
    problem = only_problem(read_recipients, write(tmp_path, "address,tier\n"))
    assert problem.line == 2
    assert "no rows" in problem.message_en


def test_missing_address_column(tmp_path):
    problem = only_problem(read_allowlist, write(tmp_path, "価格,上限\n0.1,1\n", "cp932"))
    assert problem.line == 1
    assert "no address column" in problem.message_en
    assert "アドレスの列がありません" in problem.message_ja


def test_missing_header_row(tmp_path):
    problem = only_problem(read_recipients, write(tmp_path, f"{ALICE}\n{BOB}\n"))
    assert (problem.line, problem.cell) == (1, "A1")
    assert "the first row must be the header" in problem.message_en


def test_semicolon_separated_file_gets_a_hint(tmp_path):
    problem = only_problem(read_recipients, write(tmp_path, f"address;tier\n{ALICE};1\n"))
    assert "semicolons" in problem.message_en and "comma delimited" in problem.message_en


def test_unknown_column_is_an_error_not_silently_ignored(tmp_path):
    # A misspelt price column would otherwise give everyone the campaign's price.
    problem = only_problem(read_allowlist, write(tmp_path, f"address,prise\n{ALICE},0.5\n"))
    assert (problem.line, problem.column, problem.cell) == (1, "prise", "B1")
    assert "not known" in problem.message_en and "price / 価格" in problem.message_en


def test_column_of_the_other_kind_of_list_is_refused(tmp_path):
    problem = only_problem(read_allowlist, write(tmp_path, f"address,tier\n{ALICE},1\n"))
    assert (problem.column, problem.cell) == ("tier", "B1")
    assert "not used in this kind of list" in problem.message_en


def test_two_columns_for_the_same_thing(tmp_path):
    problem = only_problem(read_recipients, write(tmp_path, f"アドレス,address\n{ALICE},{BOB}\n", "cp932"))
    assert problem.cell == "B1"
    assert "two columns" in problem.message_en


def test_values_without_a_header(tmp_path):
    problems = problems_of(read_recipients, write(tmp_path, f"address,,\n{ALICE},,\n{BOB},,x\n"))
    assert [(p.line, p.column, p.cell) for p in problems] == [(1, "C", "C1")]
    assert "no header" in problems[0].message_en


def test_cells_right_of_the_header(tmp_path):
    problem = only_problem(read_recipients, write(tmp_path, f"address,tier\n{ALICE},1,extra\n"))
    assert (problem.line, problem.column, problem.cell) == (2, "C", "C2")


def test_empty_header_column_without_values_is_ignored(tmp_path):
    # Excel keeps empty trailing columns once a cell there was touched.
    assert read_recipients(write(tmp_path, f"address,,\n{ALICE},,\n")) == [RecipientRow(2, ALICE, None)]


def test_undecodable_bytes_name_their_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"address\r\n" + ALICE.encode() + b"\r\n\x81 \x85@\r\n")
    problem = only_problem(read_recipients, path)
    assert problem.line == 3
    assert "neither UTF-8 nor Shift_JIS" in problem.message_en


def test_utf16_file_is_refused_with_the_excel_fix(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(f"address\r\n{ALICE}\r\n".encode("utf-16"))
    problem = only_problem(read_recipients, path)
    assert "CSV UTF-8" in problem.message_en and "UTF-16" in problem.message_en


def test_missing_file(tmp_path):
    problem = only_problem(read_allowlist, tmp_path / "nope.csv")
    assert problem.line == 0
    assert "no file" in problem.message_en
    assert str(problem).startswith("file: ")


def test_nul_byte_names_its_line(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"address\r\n" + ALICE.encode() + b"\r\n0x\x00\r\n")
    problem = only_problem(read_recipients, path)
    assert problem.line == 3


def test_examples_read_in_their_encodings():
    examples = ROOT / "config" / "examples"
    allowlist = examples / "allowlist-sjis.csv"
    assert "アドレス".encode("cp932") in allowlist.read_bytes()
    assert [row.price_wei for row in read_allowlist(allowlist)] == [10**16, 0, None, 5 * 10**15]
    airdrop_list = examples / "airdrop-list.csv"
    assert airdrop_list.read_bytes().startswith(codecs.BOM_UTF8)
    assert [row.tier for row in read_recipients(airdrop_list)] == [1, None, 0, 1, None]
    assert [row.tier for row in read_recipients(examples / "airdrop-list-sjis.csv")] == [1, None, 0, 1]
