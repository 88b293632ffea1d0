"""The pages' web font: BIZ UDPGothic (metadata/fonts/, the card's font) subset to WOFF2 at setup time.

Chromium on a machine without Japanese fonts draws kana and kanji as empty boxes, and phones differ in
which Gothic they have: the pages bring their own universal-design face. The whole TTF is 4.6 MB, so
tools/build_web.py cuts each weight in two faces the CSS tells apart by unicode-range:

  core  ASCII, kana, JIS X 0208 punctuation and every character the pages' templates, scripts and
        catalogs contain (~670 characters, ~150 kB): what every page needs, loaded first;
  rest  the rest of JIS X 0208 level 1 (~2,900 kanji, ~620 kB): names and texts staff type in (perks,
        campaigns, municipalities); the browser fetches it only when a page shows one of its characters.

Level 2 kanji would double `rest` for rare characters; they fall back to the system's font. The files are
named by their content's hash and served as immutable (pages.py), and fonts.css, which names them, is
revalidated like every other static file: a new subset reaches browsers on the next page load.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from backend.web.vendor import ROOT, VENDOR_DIR

FAMILY = "BIZ UDPGothic"
FONT_DIR = VENDOR_DIR / "fonts"  # served at /static/vendor/fonts/ (gitignored with the rest of vendor/)
CSS_NAME = "fonts.css"
SOURCES = ROOT / "metadata" / "fonts"
WEB_DIR = Path(__file__).resolve().parent
# Where the pages' own texts are: every character in these files goes into the core face.
TEXT_GLOBS = ("static/i18n/*.json", "templates/*.html", "static/js/*.js")


@dataclass(frozen=True)
class Weight:
    css_weight: int
    ttf: str  # under metadata/fonts/


WEIGHTS = (Weight(400, "BIZUDPGothic-Regular.ttf"), Weight(700, "BIZUDPGothic-Bold.ttf"))


def jis_x0208(rows: range) -> set[str]:
    """The characters of these JIS X 0208 rows (1-8: symbols, kana, Latin, Greek, Cyrillic, box drawing;
    16-47: level 1 kanji; 48-84: level 2), through EUC-JP, which encodes row r, cell c as (r|0xA0, c|0xA0)."""
    found = set()
    for row in rows:
        for cell in range(1, 95):
            try:
                found.add(bytes([row + 0xA0, cell + 0xA0]).decode("euc_jp"))
            except UnicodeDecodeError:
                pass  # an empty cell
    return found


def page_characters(web_dir: Path = WEB_DIR) -> set[str]:
    """Every printable character in the pages' templates, scripts and catalogs."""
    found = set()
    for pattern in TEXT_GLOBS:
        for path in sorted(web_dir.glob(pattern)):
            found |= set(path.read_text(encoding="utf-8"))
    return {char for char in found if char.isprintable()}


def face_characters(web_dir: Path = WEB_DIR) -> dict[str, set[str]]:
    """The two faces' characters: {"core": ..., "rest": ...} (disjoint)."""
    ascii_ = {chr(code) for code in range(0x20, 0x7F)}
    core = ascii_ | jis_x0208(range(1, 2)) | jis_x0208(range(4, 6)) | page_characters(web_dir)
    rest = (jis_x0208(range(1, 9)) | jis_x0208(range(16, 48))) - core
    return {"core": core, "rest": rest}


def unicode_range(chars: set[str]) -> str:
    """A CSS unicode-range listing these characters as runs (U+3041-3096, U+4E00 ...)."""
    codes = sorted(ord(char) for char in chars)
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


def covered(ttf: Path) -> set[str]:
    """The characters the font has glyphs for."""
    from fontTools.ttLib import TTFont

    return {chr(code) for code in TTFont(ttf).getBestCmap()}


def _subset(ttf: Path, chars: set[str]) -> bytes:
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff2"
    # TrueType hinting is most of a CJK font's bytes and browsers on phones ignore it.
    options.hinting = False
    options.drop_tables += ["meta"]  # fontTools cannot subset it (it only names the scripts)
    font = TTFont(ttf)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def build(out_dir: Path = FONT_DIR, sources: Path = SOURCES, web_dir: Path = WEB_DIR) -> list[Path]:
    """Writes the WOFF2 faces and fonts.css into `out_dir`; returns the files written. A face whose inputs
    (source font, characters) have not changed is kept: its name carries their hash."""
    out_dir.mkdir(parents=True, exist_ok=True)
    faces = face_characters(web_dir)
    rules, keep = [], {CSS_NAME}
    for weight in WEIGHTS:
        ttf = sources / weight.ttf
        digest_of_font = hashlib.sha256(ttf.read_bytes()).hexdigest()
        has = covered(ttf)
        for part, wanted in faces.items():
            # A character the font lacks (✕, emoji) stays out of the range: the browser takes the next family.
            chars = wanted & has
            digest = hashlib.sha256(f"{digest_of_font}\n{''.join(sorted(chars))}".encode()).hexdigest()[:12]
            name = f"{ttf.stem}-{part}.{digest}.woff2"
            keep.add(name)
            if not (out_dir / name).is_file():
                tmp = out_dir / f".{name}.tmp"
                tmp.write_bytes(_subset(ttf, chars))
                tmp.replace(out_dir / name)
            rules.append(f'@font-face {{\n  font-family: "{FAMILY}";\n  src: url("./{name}") format("woff2");\n'
                         f"  font-weight: {weight.css_weight};\n  font-style: normal;\n  font-display: swap;\n"
                         f"  unicode-range: {unicode_range(chars)};\n}}\n")
    header = (f"/* {FAMILY} (SIL Open Font License 1.1, {CSS_NAME.removesuffix('.css')}.OFL.txt), subset by "
              "tools/build_web.py (backend/web/webfont.py). Generated: do not edit. */\n")
    (out_dir / CSS_NAME).write_text(header + "\n".join(rules), encoding="utf-8")
    (out_dir / "fonts.OFL.txt").write_bytes((sources / "OFL.txt").read_bytes())
    keep.add("fonts.OFL.txt")
    for old in out_dir.glob("*.woff2"):  # faces of an earlier subset
        if old.name not in keep:
            old.unlink()
    return sorted(out_dir / name for name in keep)
