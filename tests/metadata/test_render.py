"""Card images: deterministic bytes, rarity-weighted art, valid PNGs, clear errors for bad layers."""

import collections
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from metadata import render
from metadata.card import CardData, CollectionInfo, card_seed
from metadata.errors import LayerImageError
from metadata.render import BAND, SIZE, LayerSet, draw_card_text, render_card

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = CollectionInfo(address="0x" + "ab" * 20, name="Mine City Digital Resident", symbol="MINEDEMO",
                            municipality_ja="美祢市", municipality_en="Mine City", soulbound=True)


def card(number=123, tier=1, expires_at=1_806_000_000, token_id=None):
    return CardData(token_id=token_id or number, resident_number=number, tier=tier, issued_at=1_764_000_000,
                    expires_at=expires_at)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_png_is_a_600x380_rgb_image():
    image = decode(render_card(COLLECTION, card()).png)
    assert image.format == "PNG" and image.size == SIZE and image.mode == "RGB"


def test_same_card_renders_the_same_bytes():
    assert render_card(COLLECTION, card()).png == render_card(COLLECTION, card()).png


def test_same_bytes_in_a_fresh_process():
    script = ("import sys, hashlib; sys.path.insert(0, sys.argv[1])\n"
              "from metadata.card import CardData, CollectionInfo\n"
              "from metadata.render import render_card\n"
              "c = CollectionInfo(address='0x' + 'ab' * 20, name='Mine City Digital Resident', symbol='MINEDEMO',"
              " municipality_ja='美祢市', municipality_en='Mine City', soulbound=True)\n"
              "d = CardData(token_id=123, resident_number=123, tier=1, issued_at=1764000000, expires_at=1806000000)\n"
              "print(hashlib.sha256(render_card(c, d).png).hexdigest())\n")
    out = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, check=True)
    import hashlib

    assert out.stdout.strip() == hashlib.sha256(render_card(COLLECTION, card()).png).hexdigest()


def test_reissued_card_keeps_its_art():
    """The seed is the collection and resident number, so a re-issued token shows the same art."""
    assert render_card(COLLECTION, card(token_id=5)).png == render_card(COLLECTION, card(token_id=900)).png


def test_cards_differ_by_number_tier_and_validity():
    pngs = {render_card(COLLECTION, c).png for c in
            (card(1), card(2), card(1, tier=0), card(1, expires_at=0), card(1, expires_at=1_900_000_000))}
    assert len(pngs) == 5


def test_banded_png_equals_the_card_drawn_whole():
    """The fast encoder's output decodes to exactly the card drawn in one piece."""
    layers = render.default_layers()
    for number in (1, 77, 123456, 9_999_999):
        c = card(number, tier=number % 2)
        picks = layers.pick(card_seed(COLLECTION, c))
        whole = render._art(layers, picks).copy()
        overlay = render._static_text(COLLECTION, c.tier)
        whole.paste(overlay, (0, 0), overlay)
        draw_card_text(ImageDraw.Draw(whole), c)
        assert decode(render_card(COLLECTION, c).png).tobytes() == whole.tobytes()


@pytest.mark.parametrize("c", [card(9_999_999, expires_at=4_000_000_000), card(1, tier=0, expires_at=0),
                               card(8_888_888)])
def test_per_card_text_stays_inside_the_band(c):
    canvas = Image.new("L", SIZE, 0)
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = "L"
    import types

    ink = types.SimpleNamespace(text=lambda xy, text, font, fill: draw.text(xy, text, font=font, fill=255))
    draw_card_text(ink, c)
    left, top, right, bottom = canvas.getbbox()
    assert BAND[0] <= top and bottom <= BAND[1]
    assert right < SIZE[0] - 150  # clear of the tier badge


def test_art_follows_the_rarity_weights():
    layers = render.default_layers()
    counts = [collections.Counter() for _ in layers.layers]
    n = 6000
    for number in range(n):
        for k, option in enumerate(layers.pick(f"0xcollection:{number}")):
            counts[k][option.name] += 1
    for layer, counter in zip(layers.layers, counts):
        for option in layer.options:
            expected = n * option.weight / layer.total_weight
            assert abs(counter[option.name] - expected) < 0.25 * expected + 30, (layer.name, option.name)


def test_traits_are_exposed_for_the_metadata():
    rendered = render_card(COLLECTION, card())
    layers = render.default_layers()
    assert [t["trait_type"] for t in rendered.traits] == [layer.trait for layer in layers.layers]
    labels = {o.name: o.label for layer in layers.layers for o in layer.options}
    assert [t["value"] for t in rendered.traits] == [labels[p] for p in rendered.picks]


@pytest.fixture
def layers_copy(tmp_path):
    target = tmp_path / "layers"
    shutil.copytree(render.LAYERS_DIR, target)
    return target


def test_missing_layer_image_names_the_file(layers_copy):
    (layers_copy / "motif" / "koi.png").unlink()
    with pytest.raises(LayerImageError) as info:
        LayerSet.load(layers_copy)
    assert info.value.path == layers_copy / "motif" / "koi.png"
    assert "layer image missing" in str(info.value)


def test_layer_image_of_the_wrong_size_is_refused(layers_copy):
    Image.new("RGBA", (100, 100)).save(layers_copy / "pattern" / "kikko.png")
    layers = LayerSet.load(layers_copy)
    layer = layers.layers[1]
    option = next(o for o in layer.options if o.name == "kikko")
    with pytest.raises(LayerImageError, match="must be 600x380"):
        layers.image(layer, option)


def test_bad_weight_is_refused(layers_copy):
    listing = layers_copy / "layers.yaml"
    listing.write_text(listing.read_text().replace("koi: {weight: 10", "koi: {weight: 0"))
    with pytest.raises(LayerImageError, match=r"motif\.koi: weight must be a whole number > 0"):
        LayerSet.load(layers_copy)


def test_missing_layer_list(tmp_path):
    with pytest.raises(LayerImageError, match="the layer list is missing"):
        LayerSet.load(tmp_path)


def test_make_layers_reproduces_the_committed_images(tmp_path, monkeypatch):
    from metadata import make_layers

    monkeypatch.setattr(make_layers, "LAYERS_DIR", tmp_path)
    make_layers.main(["koi", "seigaiha"])
    for name in ("motif/koi.png", "pattern/seigaiha.png"):
        assert decode((tmp_path / name).read_bytes()).tobytes() == \
            decode((render.LAYERS_DIR / name).read_bytes()).tobytes()
