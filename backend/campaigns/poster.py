"""Printable A4 pages for a campaign: the poster for the town office (one QR, the town's name and how to
claim, in Japanese and English) and the sheet of claim links (one slip per link, to cut and hand out).

Drawn with Pillow at 150 dpi in the bundled BIZ UDPGothic (metadata/fonts: municipality names in JIS X
0213 kanji print as they are); the QR is segno's, black on white with its quiet zone. PDF pages are A4
(595 x 842 pt); the PNG is the poster's first page, 1240 x 1754 px.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import segno
from PIL import Image, ImageDraw, ImageFont

from backend.messages import text
from metadata.render import FONT_BOLD, FONT_REGULAR

DPI = 150
A4_PX = (1240, 1754)  # 210 x 297 mm at 150 dpi
MARGIN = 90
INK, MUTED, ACCENT = (20, 20, 20), (80, 80, 80), (0, 82, 147)  # text is never pure black: only the QR is
QUIET_ZONE = 4


@dataclass(frozen=True)
class PosterText:
    town_ja: str
    town_en: str
    campaign_ja: str
    campaign_en: str
    url: str


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size)


def qr_image(url: str, size: int) -> Image.Image:
    """`url` as a QR of about `size` px with its 4-module quiet zone (whole pixels per module, so scanners
    see sharp edges). Drawn from segno's matrix: no PNG round trip per slip."""
    matrix = segno.make(url, error="m", micro=False).matrix
    modules = len(matrix) + 2 * QUIET_ZONE
    light = bytes([255]) * modules
    rows = [light] * QUIET_ZONE + [bytes([255]) * QUIET_ZONE + bytes(0 if dark else 255 for dark in row)
                                   + bytes([255]) * QUIET_ZONE for row in matrix] + [light] * QUIET_ZONE
    small = Image.frombytes("L", (modules, modules), b"".join(rows))
    scale = max(1, size // modules)
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST).convert("RGB")


def _centred(draw: ImageDraw.ImageDraw, y: int, line: str, font, fill, width: int = A4_PX[0]) -> int:
    """Draws `line` centred at height `y`, shrinking it to fit; returns the y below it."""
    while draw.textlength(line, font=font) > width - 2 * MARGIN and font.size > 16:
        font = _font(font.size - 4, "Bold" in font.getname()[1])
    left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
    draw.text(((width - (right - left)) // 2, y), line, font=font, fill=fill)
    return y + (bottom - top) + font.size // 3


def _poster_page(words: PosterText) -> Image.Image:
    page = Image.new("RGB", A4_PX, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, A4_PX[0], 24), fill=ACCENT)
    y = 110
    y = _centred(draw, y, text("poster_title", "ja", town=words.town_ja), _font(76, True), INK)
    y = _centred(draw, y, text("poster_title", "en", town=words.town_en), _font(44, True), MUTED)
    y += 20
    y = _centred(draw, y, words.campaign_ja, _font(48, True), ACCENT)
    y = _centred(draw, y, words.campaign_en, _font(34, False), ACCENT)
    qr = qr_image(words.url, 700)
    y += 20
    page.paste(qr, ((A4_PX[0] - qr.width) // 2, y))
    y += qr.height + 10
    y = _centred(draw, y, words.url, _font(22, False), MUTED)
    y += 30
    column = (A4_PX[0] - 3 * MARGIN) // 2
    for index, lang in enumerate(("ja", "en")):
        x = MARGIN + index * (column + MARGIN)
        lines = text("poster_how", lang).splitlines()
        font = _font(40 if lang == "ja" else 32, lang == "ja")
        while max(draw.textlength(line, font=font) for line in lines) > column and font.size > 16:
            font = _font(font.size - 2, lang == "ja")  # one size for the whole column
        draw.text((x, y), text("poster_how_title", lang), font=_font(font.size, True), fill=ACCENT)
        line_y = y + font.size + 28
        for line in lines:
            draw.text((x, line_y), line, font=font, fill=INK)
            line_y += font.size + 24
    y = A4_PX[1] - 140
    y = _centred(draw, y, text("poster_help", "ja"), _font(32, True), INK)
    _centred(draw, y, text("poster_help", "en"), _font(26, False), MUTED)
    return page


def poster_png(words: PosterText) -> bytes:
    out = io.BytesIO()
    _poster_page(words).save(out, format="PNG", dpi=(DPI, DPI), optimize=False)
    return out.getvalue()


def poster_pdf(words: PosterText) -> bytes:
    return _pdf([_poster_page(words)])


# --- the sheet of claim links ---------------------------------------------------------------------------
SLIPS_PER_ROW, ROWS_PER_PAGE = 2, 4


def _slip(words: PosterText, number: int, url: str, size: tuple[int, int]) -> Image.Image:
    slip = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(slip)
    draw.rectangle((0, 0, size[0] - 1, size[1] - 1), outline=(170, 170, 170), width=2)  # the cutting line
    qr = qr_image(url, size[1] - 60)
    slip.paste(qr, (20, (size[1] - qr.height) // 2))
    x, y = qr.width + 36, 36
    draw.text((x, y), words.town_ja, font=_font(30, True), fill=INK)
    y += 44
    for line in (words.campaign_ja, words.campaign_en):
        font = _font(22, False)
        while draw.textlength(line, font=font) > size[0] - x - 16 and font.size > 12:
            font = _font(font.size - 2, False)
        draw.text((x, y), line, font=font, fill=ACCENT)
        y += 34
    y += 10
    for lang in ("ja", "en"):
        line = text("claim_slip_how", lang)
        font = _font(20, False)
        while draw.textlength(line, font=font) > size[0] - x - 16 and font.size > 10:
            font = _font(font.size - 1, False)
        draw.text((x, y), line, font=font, fill=INK)
        y += 30
    draw.text((x, size[1] - 44), f"No. {number}", font=_font(20, True), fill=MUTED)
    return slip


def sheet_pdf(words: PosterText, urls: list[str]) -> bytes:
    """The claim links as slips of 2 x 4 per A4 page, numbered as in the CSV."""
    width = (A4_PX[0] - 2 * 60) // SLIPS_PER_ROW
    height = (A4_PX[1] - 2 * 60) // ROWS_PER_PAGE
    pages = []
    per_page = SLIPS_PER_ROW * ROWS_PER_PAGE
    for start in range(0, max(1, len(urls)), per_page):
        page = Image.new("RGB", A4_PX, "white")
        for i, url in enumerate(urls[start:start + per_page]):
            row, col = divmod(i, SLIPS_PER_ROW)
            page.paste(_slip(words, start + i + 1, url, (width, height)), (60 + col * width, 60 + row * height))
        pages.append(page)
    return _pdf(pages)


def _pdf(pages: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    # Pillow embeds RGB pages as JPEG: high quality without chroma subsampling keeps the QR's edges sharp.
    pages[0].save(out, format="PDF", resolution=DPI, save_all=True, append_images=pages[1:], quality=95,
                  subsampling=0)
    return out.getvalue()
