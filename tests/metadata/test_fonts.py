"""Japanese text on the cards has a glyph for every character: font cmap and rendered pixels."""

import struct
from pathlib import Path

import pytest
import yaml
from PIL import Image, ImageChops

from metadata.card import CardData, CollectionInfo
from metadata.render import FONT_BOLD, FONT_REGULAR, FONTS_DIR, font, render_card

ROOT = Path(__file__).resolve().parents[2]

# Real municipalities with digital-resident NFTs, and names with rarer kanji.
REAL_NAMES = ["美祢市", "長岡市山古志", "加賀市", "西川町", "北海道余市町", "鹿児島県", "新潟県長岡市",
              "山形県西川町", "石川県加賀市", "山口県美祢市", "宮城県女川町", "北海道上士幌町", "栃木県那須塩原市",
              "奈良県曽爾村", "岡山県西粟倉村", "徳島県神山町", "鹿児島県薩摩川内市", "福岡県飯塚市",
              "北海道留寿都村", "島根県隠岐郡海士町", "兵庫県宍粟市", "大分県豊後高田市", "京都府与謝野町",
              "沖縄県竹富町", "東京都檜原村", "埼玉県秩父市", "群馬県嬬恋村", "和歌山県九度山町", "愛媛県伊予市"]
CARD_TEXT = ["デジタル住民カード", "住民番号", "発行", "有効期限", "有効期限なし", "譲渡不可", "プレミアム", "ベーシック",
             "ランク", "Mine City", "No. 0123456789", "DIGITAL RESIDENT CARD · SOULBOUND"]


def demo_names():
    config = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text(encoding="utf-8"))
    return [config["municipality"]["name_ja"], config["municipality"]["name_en"]]


def all_characters():
    return sorted({ch for text in REAL_NAMES + CARD_TEXT + demo_names() for ch in text if not ch.isspace()})


def cmap_codepoints(path: Path) -> set[int]:
    """Code points mapped by a TrueType font's Unicode cmap subtables (formats 4 and 12)."""
    data = path.read_bytes()
    num_tables = struct.unpack(">H", data[4:6])[0]
    tables = {data[12 + 16 * i:16 + 16 * i]: struct.unpack(">II", data[20 + 16 * i:28 + 16 * i])
              for i in range(num_tables)}
    offset = tables[b"cmap"][0]
    count = struct.unpack(">H", data[offset + 2:offset + 4])[0]
    points: set[int] = set()
    for i in range(count):
        platform, encoding, sub = struct.unpack(">HHI", data[offset + 4 + 8 * i:offset + 12 + 8 * i])
        start = offset + sub
        fmt = struct.unpack(">H", data[start:start + 2])[0]
        if fmt == 4:
            segs = struct.unpack(">H", data[start + 6:start + 8])[0] // 2
            ends = struct.unpack(f">{segs}H", data[start + 14:start + 14 + 2 * segs])
            starts_at = start + 16 + 2 * segs
            starts = struct.unpack(f">{segs}H", data[starts_at:starts_at + 2 * segs])
            deltas = struct.unpack(f">{segs}h", data[starts_at + 2 * segs:starts_at + 4 * segs])
            ranges_at = starts_at + 4 * segs
            range_offsets = struct.unpack(f">{segs}H", data[ranges_at:ranges_at + 2 * segs])
            for k in range(segs):
                for code in range(starts[k], ends[k] + 1):
                    if code == 0xFFFF:
                        continue
                    if range_offsets[k] == 0:
                        glyph = (code + deltas[k]) & 0xFFFF
                    else:
                        at = ranges_at + 2 * k + range_offsets[k] + 2 * (code - starts[k])
                        glyph = struct.unpack(">H", data[at:at + 2])[0]
                        glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
                    if glyph:
                        points.add(code)
        elif fmt == 12:
            groups = struct.unpack(">I", data[start + 12:start + 16])[0]
            for g in range(groups):
                first, last, _ = struct.unpack(">III", data[start + 16 + 12 * g:start + 28 + 12 * g])
                points.update(range(first, last + 1))
    return points


@pytest.mark.parametrize("path", [FONT_BOLD, FONT_REGULAR], ids=lambda p: p.name)
def test_font_cmap_covers_every_character(path):
    covered = cmap_codepoints(path)
    missing = [ch for ch in all_characters() if ord(ch) not in covered]
    assert not missing, f"{path.name} has no glyph for {missing}"


def test_cmap_reader_sees_absent_characters():
    """The cmap check can fail: a character outside the font (𠮷, U+20BB7) is reported missing."""
    assert 0x20BB7 not in cmap_codepoints(FONT_BOLD)
    assert ord("美") in cmap_codepoints(FONT_BOLD)


@pytest.mark.parametrize("bold", [True, False], ids=["bold", "regular"])
def test_every_character_renders_as_itself_not_notdef(bold):
    face = font(40, bold)
    notdef = face.getmask("\U0010FFFD")  # a code point no font maps: renders the .notdef box
    notdef_bytes = bytes(notdef)
    assert any(notdef_bytes), "the .notdef glyph should draw something to compare against"
    tofu = []
    for ch in all_characters():
        mask = face.getmask(ch)
        if mask.size == notdef.size and bytes(mask) == notdef_bytes:
            tofu.append(ch)
        assert any(bytes(mask)), f"{ch!r} renders blank"
    assert not tofu, f"rendered as .notdef (tofu): {tofu}"


def test_notdef_comparison_detects_a_missing_glyph():
    face = font(40, True)
    assert bytes(face.getmask("\U00020BB7")) == bytes(face.getmask("\U0010FFFD"))


@pytest.mark.parametrize("name", REAL_NAMES[:6] + demo_names()[:1])
def test_municipality_name_appears_on_the_card(name):
    """The card with the name differs, where the name is drawn, from the same card with tofu in its place."""
    import io

    base = dict(address="0x" + "12" * 20, name="Digital Resident", symbol="DR", municipality_en="Town",
                soulbound=True)
    card = CardData(token_id=1, resident_number=1, tier=0, issued_at=1_764_000_000, expires_at=0)
    with_name = Image.open(io.BytesIO(render_card(CollectionInfo(municipality_ja=name, **base), card).png))
    tofu = "\U0010FFFD" * len(name)
    without = Image.open(io.BytesIO(render_card(CollectionInfo(municipality_ja=tofu, **base), card).png))
    diff = ImageChops.difference(with_name.convert("RGB"), without.convert("RGB")).getbbox()
    assert diff is not None
    left, top, right, bottom = diff
    assert top >= 45 and bottom <= 130 and right <= 340  # the name's place, within the text column
    # and every character differs from tofu: each glyph's column of the name area changes
    face_width = (right - left) / len(name)
    for k in range(len(name)):
        column = (int(left + k * face_width), top, int(left + (k + 1) * face_width), bottom)
        assert ImageChops.difference(with_name.convert("RGB").crop(column),
                                     without.convert("RGB").crop(column)).getbbox(), name[k]


def test_long_names_shrink_to_fit():
    long_name = "鹿児島県薩摩川内市"
    face = font(46, True)
    assert face.getlength(long_name) > 300
    from metadata.render import _fit

    assert _fit(long_name, 300, 46, 22).getlength(long_name) <= 300


def test_license_is_bundled():
    text = (FONTS_DIR / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in text and "BIZ UDGothic Project Authors" in text
