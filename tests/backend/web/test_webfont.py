"""The pages' web font (backend/web/webfont.py): subset by tools/build_web.py (`make setup`) into
static/vendor/fonts/, named in fonts.css, served as WOFF2 with a year's cache; the CSS is revalidated."""

import re

from fontTools.ttLib import TTFont

from backend.web import webfont


def test_every_page_links_the_font_css_before_its_own_styles(client):
    text = client.get("/").text
    assert text.index('href="/static/vendor/fonts/fonts.css"') < text.index('href="/static/css/app.css"')
    assert client.get("/static/css/app.css").text.count('--font: "BIZ UDPGothic"') == 1


def test_the_font_css_is_revalidated_and_names_woff2_faces_served_for_a_year(client):
    css = client.get("/static/vendor/fonts/fonts.css")
    assert css.status_code == 200 and css.headers["cache-control"] == "no-cache"
    assert css.headers["content-type"].startswith("text/css")
    faces = re.findall(r'url\("\./([^"]+\.woff2)"\) format\("woff2"\)', css.text)
    assert len(faces) == 4 and css.text.count("font-display: swap;") == 4
    for name in faces:
        response = client.get(f"/static/vendor/fonts/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "font/woff2"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.content[:4] == b"wOF2"
    # Anything else under static/ is still revalidated.
    assert client.get("/static/vendor/fonts/fonts.OFL.txt").headers["cache-control"] == "no-cache"


def test_the_core_face_has_every_character_of_the_pages_and_the_rest_has_level_1_kanji():
    faces = webfont.face_characters()
    assert not faces["core"] & faces["rest"]
    assert {"住", "民", "カ", "ー", "ド", "特", "典", "A", "。"} <= faces["core"] | faces["rest"]
    assert webfont.page_characters() <= faces["core"]
    assert {"美", "祢", "岡", "町"} <= faces["core"] | faces["rest"]  # municipality names staff type in
    assert len(webfont.jis_x0208(range(16, 48))) == 2965  # JIS X 0208 level 1


def test_a_built_face_has_the_glyphs_of_its_characters_and_no_hinting():
    css = (webfont.FONT_DIR / webfont.CSS_NAME).read_text()
    core = re.search(r'url\("\./(BIZUDPGothic-Regular-core\.[0-9a-f]{12}\.woff2)"\)', css).group(1)
    font = TTFont(webfont.FONT_DIR / core)
    cmap = font.getBestCmap()
    wanted = webfont.face_characters()["core"] & webfont.covered(webfont.SOURCES / "BIZUDPGothic-Regular.ttf")
    assert len(wanted) > 600 and all(ord(char) in cmap for char in wanted)
    assert "U+2715" not in css  # ✕ is not in BIZ UDPGothic: left to the next font of the family list
    assert ord("祢") not in cmap  # in the rest face, fetched only when a page shows it
    assert "fpgm" not in font  # hinting dropped: most of a CJK font's bytes


def test_unicode_range_lists_runs():
    assert webfont.unicode_range({"A", "B", "C", "住", "a"}) == "U+41-43, U+61, U+4F4F"
