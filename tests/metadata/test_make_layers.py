"""The drawn layers leave room for the card's text."""

from PIL import Image

from metadata.make_layers import dates_text_box
from metadata.render import DATES_Y, LAYERS_DIR


def test_dates_line_box_covers_the_longest_dates_text():
    left, right, bottom = dates_text_box()
    # "発行 Issued YYYY.MM.DD   有効期限 Valid until YYYY.MM.DD" in 12 px, from x = 32.
    assert left == 32
    assert 360 < right < 480
    assert DATES_Y + 8 < bottom < DATES_Y + 20


def test_fireworks_town_stays_below_the_dates_line():
    left, right, bottom = dates_text_box()
    alpha = Image.open(LAYERS_DIR / "motif" / "hanabi.png").getchannel("A")
    text_area = alpha.crop((left, DATES_Y - 2, right + 1, bottom + 3))
    # Only the soft glow of a firework may reach there, never a roof or a lit window.
    assert text_area.getextrema()[1] < 128
