"""Card images: generative art from rarity-weighted layers, with the card's text, as PNG.

A card's art is picked from `metadata/layers/layers.yaml` by hashing its seed
(collection address + resident number) per layer, so the same card renders
the same bytes on any machine and in any run. On top go the municipality's
name in Japanese and English, the resident number, the tier and the dates,
set in the bundled BIZ UDPGothic (OFL) so that every kanji of a municipality
name has a glyph.

Speed: layer images, fonts, composed art, each collection's static text and
the compressed rows every card of one art, collection and tier shares are
cached per process; a card then costs three short strings and compressing
the band of rows they sit in (metadata/png.py). Sorting cards by art (see
metadata/pipeline.py) keeps those caches hot.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from PIL import Image, ImageChops, ImageDraw, ImageFont

from metadata.card import CardData, CollectionInfo, card_seed, jst_date
from metadata.errors import LayerImageError
from metadata.png import BandedPng

HERE = Path(__file__).resolve().parent
LAYERS_DIR = HERE / "layers"
FONTS_DIR = HERE / "fonts"
FONT_BOLD = FONTS_DIR / "BIZUDPGothic-Bold.ttf"
FONT_REGULAR = FONTS_DIR / "BIZUDPGothic-Regular.ttf"
SIZE = (600, 380)
# zlib level 1: ~4x faster than the default 6 for these images, ~25% larger.
PNG_COMPRESS_LEVEL = 1

TIER_STYLES = {  # accent colours by tier: silver, gold, then others
    0: ((214, 220, 228), (150, 160, 172)),
    1: ((246, 211, 101), (191, 144, 42)),
}
OTHER_TIER_STYLE = ((173, 232, 244), (72, 149, 239))


# ------------------------------------------------------------------- layers

@dataclass(frozen=True)
class LayerOption:
    name: str
    weight: int
    label: str


@dataclass(frozen=True)
class Layer:
    name: str
    trait: str
    options: tuple[LayerOption, ...]

    @property
    def total_weight(self) -> int:
        return sum(option.weight for option in self.options)

    def pick(self, seed: str) -> LayerOption:
        digest = hashlib.sha256(f"{seed}:{self.name}".encode()).digest()
        ticket = int.from_bytes(digest[:8], "big") % self.total_weight
        for option in self.options:
            if ticket < option.weight:
                return option
            ticket -= option.weight
        raise AssertionError("unreachable: ticket below the total weight")


@dataclass(frozen=True)
class LayerSet:
    """The layers of a collection's card art and their rarity weights."""

    root: Path
    layers: tuple[Layer, ...]

    @classmethod
    def load(cls, root: Path | str = LAYERS_DIR) -> "LayerSet":
        root = Path(root)
        listing = root / "layers.yaml"
        try:
            config = yaml.safe_load(listing.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LayerImageError(listing, "the layer list is missing") from None
        except yaml.YAMLError as exc:
            raise LayerImageError(listing, f"is not valid YAML: {exc}") from None
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list) or not config["layers"]:
            raise LayerImageError(listing, "needs a `layers:` list")
        layers = []
        for position, entry in enumerate(config["layers"], 1):
            if not isinstance(entry, dict) or not entry.get("name") or not isinstance(entry.get("options"), dict):
                raise LayerImageError(listing, f"layer {position} needs `name` and `options`")
            options = []
            for name, spec in entry["options"].items():
                spec = spec if isinstance(spec, dict) else {"weight": spec}
                weight = spec.get("weight")
                if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
                    raise LayerImageError(listing, f"{entry['name']}.{name}: weight must be a whole number > 0 "
                                                   f"(got {weight!r})")
                path = root / entry["name"] / f"{name}.png"
                if not path.is_file():
                    raise LayerImageError(path, f"layer image missing (listed in {listing} as "
                                                f"{entry['name']}.{name}); add the PNG or remove it from the list")
                options.append(LayerOption(str(name), weight, str(spec.get("label", name))))
            layers.append(Layer(str(entry["name"]), str(entry.get("trait", entry["name"])), tuple(options)))
        return cls(root, tuple(layers))

    def pick(self, seed: str) -> tuple[LayerOption, ...]:
        return tuple(layer.pick(seed) for layer in self.layers)

    def traits(self, picks: tuple[LayerOption, ...]) -> list[dict]:
        """The picked art as metadata attributes (rarity traits)."""
        return [{"trait_type": layer.trait, "value": option.label} for layer, option in zip(self.layers, picks)]

    def image(self, layer: Layer, option: LayerOption) -> Image.Image:
        return _layer_image(str(self.root / layer.name / f"{option.name}.png"))


@lru_cache(maxsize=64)
def _layer_image(path: str) -> Image.Image:
    try:
        with Image.open(path) as image:
            image.load()
            image = image.convert("RGBA")
    except FileNotFoundError:
        raise LayerImageError(path, "layer image missing; add the PNG or remove it from layers.yaml") from None
    except OSError as exc:
        raise LayerImageError(path, f"is not a readable image ({exc})") from None
    if image.size != SIZE:
        raise LayerImageError(path, f"is {image.size[0]}x{image.size[1]}; layer images must be {SIZE[0]}x{SIZE[1]}")
    return image


@lru_cache(maxsize=4)
def default_layers() -> LayerSet:
    return LayerSet.load(LAYERS_DIR)


# -------------------------------------------------------------------- fonts

@lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size)


def _fit(text: str, max_width: int, start: int, minimum: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """The largest font size (from `start` down) at which `text` fits `max_width`."""
    for size in range(start, minimum - 1, -1):
        candidate = font(size, bold)
        if candidate.getlength(text) <= max_width:
            return candidate
    return font(minimum, bold)


# ------------------------------------------------------------------ drawing

WHITE = (255, 255, 255, 255)
SOFT = (255, 255, 255, 210)


@lru_cache(maxsize=48)
def _art(layer_set: LayerSet, picks: tuple[LayerOption, ...]) -> Image.Image:
    """The composed art for one pick of layers, with a shade on the left for the text (RGB)."""
    image = None
    for layer, option in zip(layer_set.layers, picks):
        part = layer_set.image(layer, option)
        image = part.copy() if image is None else Image.alpha_composite(image, part)
    return Image.alpha_composite(image, _shade()).convert("RGB")


@lru_cache(maxsize=1)
def _shade() -> Image.Image:
    """Darkens the left and the bottom so white text reads on any art."""
    width, height = SIZE
    row = Image.new("L", (width, 1))
    row.putdata([round(165 * max(0.0, 1 - x / 380) ** 1.4) for x in range(width)])
    column = Image.new("L", (1, height))
    column.putdata([round(120 * max(0.0, (y - 250) / 130) ** 1.5) for y in range(height)])
    alpha = Image.new("L", SIZE)
    alpha.paste(row.resize(SIZE))
    alpha = ImageChops.lighter(alpha, column.resize(SIZE))
    shade = Image.new("RGBA", SIZE, (8, 14, 30, 0))
    shade.putalpha(alpha)
    return shade


def _tier_style(tier: int):
    return TIER_STYLES.get(tier, OTHER_TIER_STYLE)


@lru_cache(maxsize=16)
def _static_text(collection: CollectionInfo, tier: int) -> Image.Image:
    """Everything a collection's cards of one tier share: names, labels, frame, tier badge (RGBA)."""
    light, dark = _tier_style(tier)
    layer = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    width, height = SIZE
    draw.rounded_rectangle([9, 9, width - 10, height - 10], radius=18, outline=light + (170,), width=2)

    draw.text((32, 30), "DIGITAL RESIDENT CARD", font=font(12, True), fill=light + (255,))
    label_x = 32 + font(12, True).getlength("DIGITAL RESIDENT CARD") + 10
    draw.text((label_x, 29), "デジタル住民カード", font=font(12), fill=SOFT)

    name_font = _fit(collection.municipality_ja, 300, 46, 22)
    draw.text((30, 52), collection.municipality_ja, font=name_font, fill=WHITE,
              stroke_width=1, stroke_fill=(0, 0, 0, 60))
    # Lines are placed by font size, not by the glyphs' ink, so they sit the same for any name.
    name_bottom = 52 + round(name_font.size * 1.08)
    en_font = _fit(collection.municipality_en, 300, 21, 12, bold=False)
    draw.text((32, name_bottom + 8), collection.municipality_en, font=en_font, fill=SOFT)
    rule_y = name_bottom + 8 + round(en_font.size * 1.2) + 10
    draw.line([(32, rule_y), (92, rule_y)], fill=light + (255,), width=3)

    draw.text((32, 262), "RESIDENT No.  住民番号", font=font(11, True), fill=SOFT)

    # Tier badge, bottom right.
    tier_en, tier_ja = collection.tier_name(tier)
    en_text = tier_en.upper()
    badge_w = max(font(15, True).getlength(en_text), font(11).getlength(tier_ja)) + 34
    box = [width - 28 - badge_w, height - 78, width - 28, height - 30]
    draw.rounded_rectangle(box, radius=10, fill=light + (240,), outline=dark + (255,), width=2)
    ink = (30, 24, 12, 255)
    draw.text(((box[0] + box[2]) / 2, box[1] + 16), en_text, font=font(15, True), fill=ink, anchor="mm")
    draw.text(((box[0] + box[2]) / 2, box[1] + 34), tier_ja, font=font(11, True), fill=ink, anchor="mm")

    if collection.soulbound:
        chip = "SOULBOUND · 譲渡不可"
        chip_w = font(10, True).getlength(chip) + 18
        cbox = [width - 28 - chip_w, 26, width - 28, 46]
        draw.rounded_rectangle(cbox, radius=10, fill=(8, 14, 30, 150), outline=light + (200,), width=1)
        draw.text(((cbox[0] + cbox[2]) / 2, 36.5), chip, font=font(10, True), fill=WHITE, anchor="mm")
    return layer


# Rows where per-card text (resident number, dates) is drawn; the rest of a
# card is shared by every card with the same art, collection and tier.
BAND = (276, 352)
NUMBER_AT = (30, 278)
DATES_Y = 334


@dataclass(frozen=True)
class RenderedCard:
    png: bytes
    picks: tuple[str, ...]  # the option picked per layer, e.g. ("dawn", "seigaiha", "koi")
    traits: list[dict]  # the same as metadata attributes


@lru_cache(maxsize=64)
def _template(layer_set: LayerSet, picks: tuple[LayerOption, ...], collection: CollectionInfo,
              tier: int) -> tuple[Image.Image, BandedPng]:
    """The card without its per-card text, and the encoder that reuses its compressed rows."""
    image = _art(layer_set, picks).copy()
    overlay = _static_text(collection, tier)
    image.paste(overlay, (0, 0), overlay)
    band = image.crop((0, BAND[0], SIZE[0], BAND[1]))
    return band, BandedPng(image, BAND, PNG_COMPRESS_LEVEL)


def draw_card_text(draw: ImageDraw.ImageDraw, card: CardData, dy: int = 0) -> None:
    """The per-card text: resident number, issue date, validity (`dy` shifts it, for drawing on the band)."""
    draw.text((NUMBER_AT[0], NUMBER_AT[1] + dy), f"{card.resident_number:06d}", font=font(44, True),
              fill=(255, 255, 255))
    issued = f"発行 Issued {jst_date(card.issued_at)}"
    valid = (f"有効期限 Valid until {jst_date(card.expires_at)}" if card.expires_at
             else "有効期限なし No expiry")
    small = font(12)
    draw.text((32, DATES_Y + dy), issued, font=small, fill=(235, 238, 245))
    draw.text((40 + small.getlength(issued) + 14, DATES_Y + dy), valid, font=small, fill=(235, 238, 245))


def render_card(collection: CollectionInfo, card: CardData, layers: LayerSet | None = None) -> RenderedCard:
    """Renders `card` as a 600x380 PNG; the same inputs always give the same bytes."""
    layers = layers or default_layers()
    picks = layers.pick(card_seed(collection, card))
    band_template, encoder = _template(layers, picks, collection, card.tier)
    band = band_template.copy()
    draw_card_text(ImageDraw.Draw(band), card, dy=-BAND[0])
    return RenderedCard(png=encoder.encode_band(band), picks=tuple(p.name for p in picks),
                        traits=layers.traits(picks))
