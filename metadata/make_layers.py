"""Draws the card-art layer images once; their outputs are committed with this script.

    python -m metadata.make_layers

writes metadata/layers/<layer>/<name>.png (600x380 RGBA, drawn at 4x and
downsampled for smooth edges) and leaves metadata/layers/layers.yaml (the
rarity weights, edited by hand) alone. Everything here is deterministic, so
running it again reproduces the same files. A municipality replaces or adds
images (same size, transparent where the layer below shows) and lists them in
layers.yaml with a weight.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

LAYERS_DIR = Path(__file__).resolve().parent / "layers"
W, H = 600, 380
S = 4  # supersampling factor
SW, SH = W * S, H * S


def canvas() -> Image.Image:
    return Image.new("RGBA", (SW, SH), (0, 0, 0, 0))


def finish(image: Image.Image) -> Image.Image:
    return image.resize((W, H), Image.Resampling.LANCZOS)


def rgb(hex_colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha)


def vertical_gradient(stops: list[tuple[float, str]], size=(SW, SH)) -> Image.Image:
    column = Image.new("RGBA", (1, size[1]))
    pixels = column.load()
    for y in range(size[1]):
        t = y / (size[1] - 1)
        for (t0, c0), (t1, c1) in zip(stops, stops[1:]):
            if t0 <= t <= t1:
                f = (t - t0) / (t1 - t0) if t1 > t0 else 0
                a, b = rgb(c0), rgb(c1)
                pixels[0, y] = tuple(round(a[i] + (b[i] - a[i]) * f) for i in range(4))
                break
    return column.resize(size, Image.Resampling.BILINEAR)


def radial_glow(centre, radius, colour, alpha) -> Image.Image:
    layer = canvas()
    draw = ImageDraw.Draw(layer)
    steps = 40
    for i in range(steps, 0, -1):
        r = radius * i / steps
        a = round(alpha * (1 - i / steps) ** 1.6)
        draw.ellipse([centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r], fill=rgb(colour, a))
    return layer.filter(ImageFilter.GaussianBlur(radius / 12))


def fade_in_from_left(layer: Image.Image, start: float, end: float) -> Image.Image:
    """Makes `layer` transparent left of `start` (fraction of the width), opaque from `end`: room for text."""
    row = Image.new("L", (SW, 1))
    ramp = [min(1.0, max(0.0, (x / SW - start) / (end - start))) for x in range(SW)]
    row.putdata([round(255 * t * t * (3 - 2 * t)) for t in ramp])  # smoothstep: no visible seam
    layer.putalpha(ImageChops.multiply(layer.getchannel("A"), row.resize((SW, SH))))
    return layer


# ---------------------------------------------------------------- backgrounds

def bg_dawn():
    image = vertical_gradient([(0, "#2b3a67"), (0.45, "#b56576"), (0.8, "#f4a261"), (1, "#ffd6a5")])
    return Image.alpha_composite(image, radial_glow((SW * 0.78, SH * 0.78), SW * 0.45, "#fff1c1", 150))


def bg_daylight():
    image = vertical_gradient([(0, "#1d5c96"), (0.55, "#5fa8d3"), (1, "#cae9ff")])
    return Image.alpha_composite(image, radial_glow((SW * 0.85, SH * 0.15), SW * 0.35, "#ffffff", 120))


def bg_dusk():
    image = vertical_gradient([(0, "#1b1b3a"), (0.5, "#693668"), (0.85, "#d8576b"), (1, "#f7a072")])
    return Image.alpha_composite(image, radial_glow((SW * 0.7, SH * 0.95), SW * 0.4, "#ffcf99", 120))


def bg_night():
    image = vertical_gradient([(0, "#050a1f"), (0.6, "#0f2147"), (1, "#1f3f73")])
    draw = ImageDraw.Draw(image)
    rng = random.Random("night-stars")
    for _ in range(260):
        x, y = rng.uniform(0, SW), rng.uniform(0, SH * 0.85)
        r = rng.choice([2, 2, 3, 3, 4, 6])
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 240, rng.randint(120, 255)))
    moon = (SW * 0.86, SH * 0.2)
    image = Image.alpha_composite(image, radial_glow(moon, SW * 0.16, "#fff7d6", 140))
    ImageDraw.Draw(image).ellipse([moon[0] - 70, moon[1] - 70, moon[0] + 70, moon[1] + 70], fill=rgb("#fff7d6"))
    return image


def bg_gold_leaf():
    """金箔: gold foil squares laid slightly askew, the rarest background."""
    image = vertical_gradient([(0, "#8a6a1f"), (0.5, "#c9a443"), (1, "#7a5a16")])
    rng = random.Random("gold-leaf")
    leaf = 44 * S
    for row in range(-1, SH // leaf + 2):
        for col in range(-1, SW // leaf + 2):
            shade = rng.randint(-28, 28)
            base = (212 + shade, 175 + shade, 72 + shade // 2, rng.randint(70, 150))
            x, y = col * leaf + rng.randint(-8, 8), row * leaf + rng.randint(-8, 8)
            tile = Image.new("RGBA", (leaf + 10, leaf + 10), base).rotate(rng.uniform(-3, 3), expand=True)
            if x >= 0 and y >= 0:  # alpha_composite takes no negative offsets; the edge shows the base
                image.alpha_composite(tile, (x, y))
    return Image.alpha_composite(image, radial_glow((SW * 0.3, SH * 0.2), SW * 0.5, "#fff3c4", 90))


# ------------------------------------------------------------------- patterns

LINE = (255, 255, 255, 58)


def pat_none():
    return canvas()


def pat_seigaiha():
    """青海波: overlapping fans of concentric arcs, waves of calm sea."""
    layer = canvas()
    draw = ImageDraw.Draw(layer)
    r = 30 * S
    for row, y in enumerate(range(-r, SH + 2 * r, r // 2)):
        offset = 0 if row % 2 == 0 else r
        for x in range(-2 * r + offset, SW + 2 * r, 2 * r):
            draw.ellipse([x - r, y - r, x + r, y + r], fill=(0, 0, 0, 0))
            for ring in range(4):
                rr = r - ring * r / 4
                draw.ellipse([x - rr, y - rr, x + rr, y + rr], outline=LINE, width=int(1.6 * S))
    return layer


def pat_asanoha():
    """麻の葉: the hemp-leaf star on a triangle grid."""
    layer = canvas()
    draw = ImageDraw.Draw(layer)
    a = 46 * S
    h = a * math.sqrt(3) / 2
    width = int(1.3 * S)
    for j in range(-1, int(SH / h) + 2):
        for i in range(-1, int(SW / a) + 2):
            x0 = i * a + (a / 2 if j % 2 else 0)
            y0 = j * h
            up = [(x0, y0 + h), (x0 + a, y0 + h), (x0 + a / 2, y0)]
            down = [(x0 + a / 2, y0), (x0 + 3 * a / 2, y0), (x0 + a, y0 + h)]
            for tri in (up, down):
                cx = sum(p[0] for p in tri) / 3
                cy = sum(p[1] for p in tri) / 3
                draw.polygon(tri, outline=LINE, width=width)
                for p in tri:
                    draw.line([p, (cx, cy)], fill=LINE, width=width)
    return layer


def pat_shippo():
    """七宝: interlocking circles, the seven treasures."""
    layer = canvas()
    draw = ImageDraw.Draw(layer)
    r = 26 * S
    for y in range(-2 * r, SH + 2 * r, r):
        for x in range(-2 * r + (r if (y // r) % 2 else 0), SW + 2 * r, 2 * r):
            draw.ellipse([x - r, y - r, x + r, y + r], outline=LINE, width=int(1.5 * S))
    return layer


def pat_kikko():
    """亀甲: tortoise-shell hexagons, long life."""
    layer = canvas()
    draw = ImageDraw.Draw(layer)
    r = 26 * S
    dx = r * math.sqrt(3)
    for row in range(-1, int(SH / (1.5 * r)) + 2):
        for col in range(-1, int(SW / dx) + 2):
            cx = col * dx + (dx / 2 if row % 2 else 0)
            cy = row * 1.5 * r
            for scale, width in ((1.0, 1.6), (0.72, 1.0)):
                points = [(cx + scale * r * math.cos(math.radians(60 * k + 30)),
                           cy + scale * r * math.sin(math.radians(60 * k + 30))) for k in range(6)]
                draw.polygon(points, outline=LINE, width=int(width * S))
    return layer


def pat_uroko():
    """鱗: scales of alternating triangles, a charm against harm."""
    layer = canvas()
    draw = ImageDraw.Draw(layer)
    a = 40 * S
    h = a * 0.866
    for j in range(int(SH / h) + 2):
        for i in range(-1, int(SW / a) + 2):
            x = i * a + (a / 2 if j % 2 else 0)
            y = j * h
            draw.polygon([(x, y + h), (x + a, y + h), (x + a / 2, y)], fill=(255, 255, 255, 30))
    return layer


# -------------------------------------------------------------------- motifs

def _ripples(layer, centre, count, colour=(255, 255, 255, 70)):
    draw = ImageDraw.Draw(layer)
    for k in range(count):
        rx = (60 + k * 42) * S
        draw.ellipse([centre[0] - rx, centre[1] - rx * 0.42, centre[0] + rx, centre[1] + rx * 0.42],
                     outline=colour, width=int(1.5 * S))


def _ellipse_points(cx, cy, rx, ry, angle, steps=36):
    ca, sa = math.cos(angle), math.sin(angle)
    return [(cx + rx * math.cos(2 * math.pi * k / steps) * ca - ry * math.sin(2 * math.pi * k / steps) * sa,
             cy + rx * math.cos(2 * math.pi * k / steps) * sa + ry * math.sin(2 * math.pi * k / steps) * ca)
            for k in range(steps)]


def _koi(spine, width, body, spots, spot_colour, rng, fin="#f7f3ea"):
    """One koi along `spine` (head first): rounded body, fan tail, soft fins and coloured patches."""
    layer = canvas()
    n = len(spine)

    def half_width(t):
        if t < 0.3:
            return width * (0.6 + 0.4 * math.sin(math.pi / 2 * t / 0.3))
        return width * (1 - 0.8 * ((t - 0.3) / 0.7) ** 1.3)

    def frame(k):
        px, py = spine[max(k - 1, 0)]
        nx, ny = spine[min(k + 1, n - 1)]
        length = math.hypot(nx - px, ny - py) or 1
        return (nx - px) / length, (ny - py) / length

    left, right = [], []
    for k, (x, y) in enumerate(spine):
        dx, dy = frame(k)
        w = half_width(k / (n - 1))
        left.append((x - dy * w, y + dx * w))
        right.append((x + dy * w, y - dx * w))
    hx, hy = spine[0]
    dx, dy = frame(0)
    head_angle = math.atan2(-dy, -dx)
    w0 = half_width(0)
    cap = [(hx + math.cos(head_angle + a) * w0 * (1.0 if abs(a) > 1.2 else 1.15),
            hy + math.sin(head_angle + a) * w0 * (1.0 if abs(a) > 1.2 else 1.15))
           for a in [math.pi / 2 - math.pi * k / 12 for k in range(13)]]
    outline = cap[::-1] + left[1:] + right[::-1][:-1]
    draw = ImageDraw.Draw(layer, "RGBA")
    # fan tail with rays
    tx, ty = spine[-1]
    dx, dy = frame(n - 1)
    ang = math.atan2(dy, dx)
    fan = [(tx, ty)]
    for k in range(21):
        a = ang - 0.62 + 1.24 * k / 20
        reach = width * (1.9 - 0.55 * math.sin(math.pi * k / 20))  # notch in the middle
        fan.append((tx + math.cos(a) * reach, ty + math.sin(a) * reach))
    draw.polygon(fan, fill=rgb(fin, 190))
    for k in range(0, 21, 3):
        draw.line([(tx, ty), fan[k + 1]], fill=rgb("#d9d2c3", 200), width=S)
    # pectoral fins: soft ovals behind the head
    fx, fy = spine[n // 6]
    dx, dy = frame(n // 6)
    base_angle = math.atan2(dy, dx)
    for side in (-1, 1):
        a = base_angle + side * 2.1
        cx = fx + math.cos(a) * width * 1.25
        cy = fy + math.sin(a) * width * 1.25
        draw.polygon(_ellipse_points(cx, cy, width * 0.85, width * 0.38, a), fill=rgb(fin, 175))
    body_mask = Image.new("L", (SW, SH), 0)
    ImageDraw.Draw(body_mask).polygon(outline, fill=255)
    body_layer = Image.new("RGBA", (SW, SH), rgb(body))
    patches = Image.new("L", (SW, SH), 0)
    patch_draw = ImageDraw.Draw(patches)
    for k in spots:
        x, y = spine[k]
        for _ in range(3):
            r = width * rng.uniform(0.45, 0.8)
            ox, oy = rng.uniform(-0.6, 0.6) * width, rng.uniform(-0.5, 0.5) * width
            patch_draw.ellipse([x + ox - r, y + oy - r, x + ox + r, y + oy + r], fill=255)
    patches = ImageChops.multiply(patches.filter(ImageFilter.GaussianBlur(1.5 * S)), body_mask)
    body_layer.paste(Image.new("RGBA", (SW, SH), rgb(spot_colour)), (0, 0), patches)
    # a sheen along the back
    sheen = Image.new("L", (SW, SH), 0)
    ImageDraw.Draw(sheen).line(spine[2:int(n * 0.8)], fill=70, width=int(width * 0.5))
    sheen = ImageChops.multiply(sheen.filter(ImageFilter.GaussianBlur(3 * S)), body_mask)
    body_layer.paste(Image.new("RGBA", (SW, SH), (255, 255, 255, 255)), (0, 0), sheen)
    shadow = Image.new("RGBA", (SW, SH), (0, 0, 0, 0))
    shadow.paste((5, 20, 40, 80), (0, 0), body_mask.filter(ImageFilter.GaussianBlur(6 * S)))
    layer = Image.alpha_composite(shadow.transform(shadow.size, Image.Transform.AFFINE,
                                                   (1, 0, -7 * S, 0, 1, -9 * S)), layer)
    layer.paste(body_layer, (0, 0), body_mask)
    draw = ImageDraw.Draw(layer)
    ex, ey = spine[1]
    dx, dy = frame(1)
    for side in (-1, 1):
        x = ex - dy * side * w0 * 0.6
        y = ey + dx * side * w0 * 0.6
        draw.ellipse([x - 2.4 * S, y - 2.4 * S, x + 2.4 * S, y + 2.4 * S], fill=(25, 25, 25, 255))
    return layer


def _arc_spine(centre, radius, start, end, steps=40):
    return [(centre[0] + radius * math.cos(math.radians(start + (end - start) * k / (steps - 1))),
             centre[1] + radius * math.sin(math.radians(start + (end - start) * k / (steps - 1))))
            for k in range(steps)]


def motif_koi():
    """錦鯉: a kohaku and an orange-and-black koi circling in a pond (Yamakoshi is where nishikigoi were born)."""
    layer = canvas()
    pond = (SW * 0.73, SH * 0.52)
    water = canvas()
    ImageDraw.Draw(water).ellipse([pond[0] - 205 * S, pond[1] - 160 * S, pond[0] + 205 * S, pond[1] + 160 * S],
                                  fill=(20, 90, 120, 90))
    layer = Image.alpha_composite(layer, water.filter(ImageFilter.GaussianBlur(24 * S)))
    _ripples(layer, pond, 4)
    rng = random.Random("koi")
    kohaku = _koi(_arc_spine(pond, 95 * S, -100, 5), 22 * S, "#fbf7f0", [7, 17, 27], "#d7261e", rng)
    showa = _koi(_arc_spine(pond, 95 * S, 80, 185), 21 * S, "#f2a93b", [9, 22], "#1d1d1f", rng)
    layer = Image.alpha_composite(layer, kohaku)
    layer = Image.alpha_composite(layer, showa)
    draw = ImageDraw.Draw(layer)
    for (x, y, r) in [(0.6, 0.22, 22), (0.93, 0.8, 17)]:  # lily pads
        cx, cy = SW * x, SH * y
        draw.pieslice([cx - r * S, cy - r * S * 0.7, cx + r * S, cy + r * S * 0.7], 20, 340, fill=rgb("#3f8f5a", 230))
    return layer


def motif_mountains():
    """山並み: layered ridges with snowy peaks, a red sun and drifting mist."""
    layer = canvas()
    draw = ImageDraw.Draw(layer)
    sun = (SW * 0.64, SH * 0.2)
    draw.ellipse([sun[0] - 48 * S, sun[1] - 48 * S, sun[0] + 48 * S, sun[1] + 48 * S], fill=rgb("#e63946", 235))
    rng = random.Random("ridges")
    ridges = [("#6c8ead", 0.50, 120), ("#3d5a80", 0.62, 95), ("#24385b", 0.76, 70)]
    for colour, base, amplitude in ridges:
        points = [(SW * 0.12, SH)]
        x = SW * 0.12
        peaks = []
        while x <= SW + 40 * S:
            y = SH * base - rng.uniform(0.2, 1.0) * amplitude * S
            points.append((x, y))
            peaks.append((x, y))
            x += rng.uniform(55, 95) * S
            points.append((x, SH * base + rng.uniform(-10, 20) * S))
            x += rng.uniform(35, 60) * S
        points.append((SW, SH))
        ridge = canvas()
        ImageDraw.Draw(ridge).polygon(points, fill=rgb(colour))
        caps = canvas()
        cap_draw = ImageDraw.Draw(caps)
        for (px, py) in peaks:
            cap_draw.polygon([(px, py), (px - 26 * S, py + 30 * S), (px - 9 * S, py + 24 * S), (px, py + 34 * S),
                              (px + 11 * S, py + 23 * S), (px + 27 * S, py + 31 * S)], fill=(250, 250, 255, 235))
        caps.putalpha(ImageChops.multiply(caps.getchannel("A"), ridge.getchannel("A")))
        layer = Image.alpha_composite(layer, Image.alpha_composite(ridge, caps))
        mist = canvas()
        ImageDraw.Draw(mist).rectangle([SW * 0.3, SH * base - 6 * S, SW, SH * base + 14 * S],
                                       fill=(255, 255, 255, 70))
        layer = Image.alpha_composite(layer, mist.filter(ImageFilter.GaussianBlur(10 * S)))
    return fade_in_from_left(layer, 0.34, 0.55)


def motif_cave():
    """鍾乳洞: a limestone cave with stalactites over terraced rimstone pools (Mine's Akiyoshi-do)."""
    layer = canvas()
    rng = random.Random("cave")
    centre, rx, ry = (SW * 0.76, SH * 0.72), SW * 0.31, SH * 0.68

    def rocky(scale, jitter):
        points = []
        for k in range(72):
            ang = math.pi + math.pi * k / 71  # upper half: an arch
            r = scale * (1 + rng.uniform(-jitter, jitter))
            points.append((centre[0] + math.cos(ang) * rx * r, centre[1] + math.sin(ang) * ry * r))
        return points + [(centre[0] + rx * scale * 1.2, SH * 1.1), (centre[0] - rx * scale * 1.2, SH * 1.1)]

    draw = ImageDraw.Draw(layer)
    draw.polygon(rocky(1.12, 0.04), fill=rgb("#cbbd9f"))
    draw.polygon(rocky(1.0, 0.025), fill=rgb("#0c1722"))
    layer = Image.alpha_composite(layer, radial_glow((SW * 0.78, SH * 0.86), SW * 0.26, "#4cc9f0", 200))
    draw = ImageDraw.Draw(layer)
    x = centre[0] - rx * 0.85
    while x < centre[0] + rx * 0.85:  # stalactites follow the arch
        top = centre[1] - ry * math.sqrt(max(0.0, 1 - ((x - centre[0]) / rx) ** 2)) * 0.97
        length = rng.uniform(20, 80) * S * (1.2 - abs(x - centre[0]) / rx)
        half = rng.uniform(4, 10) * S
        draw.polygon([(x - half, top - 4 * S), (x + half, top - 4 * S), (x + rng.uniform(-2, 2) * S, top + length)],
                     fill=rgb("#e9dfc8", 240))
        x += rng.uniform(12, 26) * S
    for k in range(5):  # rimstone pools, back to front
        y = SH * (0.7 + k * 0.075)
        w = (95 + k * 42) * S
        cx = SW * (0.78 + (k % 2) * 0.03)
        box = [cx - w, y - (10 + k * 3) * S, cx + w, y + (10 + k * 3) * S]
        draw.ellipse(box, fill=rgb("#58c4dd" if k % 2 else "#7ad7e8", 235))
        draw.arc(box, 10, 170, fill=rgb("#f3ecd9"), width=int((3 + k) * S))
    for _ in range(7):  # stalagmites at the pools' edges
        x = rng.uniform(centre[0] - rx * 0.8, centre[0] + rx * 0.8)
        base = SH * rng.uniform(0.72, 0.8)
        half = rng.uniform(5, 9) * S
        draw.polygon([(x - half, base), (x + half, base), (x, base - rng.uniform(18, 40) * S)], fill=rgb("#d8ccb2"))
    return layer


def motif_sakura():
    """桜: a flowering cherry branch with falling petals."""
    layer = canvas()
    draw = ImageDraw.Draw(layer)
    rng = random.Random("sakura")
    branch = [(SW * 1.02, SH * 0.05), (SW * 0.86, SH * 0.2), (SW * 0.74, SH * 0.24), (SW * 0.6, SH * 0.4),
              (SW * 0.5, SH * 0.43)]
    for (a, b), width in zip(zip(branch, branch[1:]), (22, 17, 13, 9)):
        draw.line([a, b], fill=rgb("#3b2418"), width=width * S // 2, joint="curve")
    twig = [((SW * 0.8, SH * 0.22), (SW * 0.76, SH * 0.52)), ((SW * 0.66, SH * 0.33), (SW * 0.68, SH * 0.1)),
            ((SW * 0.9, SH * 0.16), (SW * 0.95, SH * 0.45))]
    for a, b in twig:
        draw.line([a, b], fill=rgb("#3b2418"), width=4 * S)
    blossom_at = [(SW * 0.5, SH * 0.43), (SW * 0.6, SH * 0.4), (SW * 0.68, SH * 0.1), (SW * 0.76, SH * 0.52),
                  (SW * 0.95, SH * 0.45), (SW * 0.74, SH * 0.24), (SW * 0.86, SH * 0.2), (SW * 0.9, SH * 0.32)]
    flowers = []
    for cx, cy in blossom_at:
        for _ in range(5):
            flowers.append((cx + rng.uniform(-38, 38) * S, cy + rng.uniform(-30, 30) * S, rng.uniform(10, 16) * S))
    for _ in range(18):  # falling petals
        flowers.append((rng.uniform(SW * 0.45, SW), rng.uniform(SH * 0.45, SH), -rng.uniform(4, 7) * S))
    for x, y, r in flowers:
        if r < 0:
            r = -r
            ang = rng.uniform(0, 360)
            petal = [(x + r * math.cos(math.radians(ang + d)), y + r * 0.55 * math.sin(math.radians(ang + d)))
                     for d in range(0, 360, 30)]
            draw.polygon(petal, fill=rgb("#ffc8dd", 220))
            continue
        rot = rng.uniform(0, 72)
        for k in range(5):
            ang = math.radians(rot + 72 * k)
            px, py = x + math.cos(ang) * r * 0.62, y + math.sin(ang) * r * 0.62
            pr = r * 0.52
            draw.ellipse([px - pr, py - pr, px + pr, py + pr], fill=rgb("#ffd6e5", 250))
        draw.ellipse([x - r * 0.25, y - r * 0.25, x + r * 0.25, y + r * 0.25], fill=rgb("#e5587f"))
    return layer


def motif_hanabi():
    """花火: summer fireworks over the town."""
    layer = canvas()
    rng = random.Random("hanabi")
    for (x, y, radius, colour) in [(0.74, 0.34, 120, "#ffd166"), (0.9, 0.64, 80, "#ef476f"),
                                   (0.57, 0.68, 62, "#8ecae6")]:
        cx, cy = SW * x, SH * y
        burst = canvas()
        draw = ImageDraw.Draw(burst)
        for k in range(48):
            ang = 2 * math.pi * k / 48 + rng.uniform(-0.03, 0.03)
            r1 = radius * S * rng.uniform(0.85, 1.0)
            for step in range(7):
                f = 0.25 + 0.75 * step / 6
                px, py = cx + math.cos(ang) * r1 * f, cy + math.sin(ang) * r1 * f + (f ** 3) * 10 * S
                dot = (1.2 + 2.6 * f) * S
                draw.ellipse([px - dot, py - dot, px + dot, py + dot], fill=rgb(colour, int(120 + 135 * f)))
        layer = Image.alpha_composite(layer, burst.filter(ImageFilter.GaussianBlur(2.5 * S)))
        layer = Image.alpha_composite(layer, burst)
    skyline = canvas()
    draw = ImageDraw.Draw(skyline)
    x = SW * 0.38
    while x < SW:  # low roofs of a town along a river
        w = rng.uniform(26, 54) * S
        h = rng.uniform(18, 42) * S
        draw.rectangle([x, SH - h, x + w, SH], fill=rgb("#0b1320"))
        draw.polygon([(x - 6 * S, SH - h), (x + w / 2, SH - h - 16 * S), (x + w + 6 * S, SH - h)], fill=rgb("#0b1320"))
        if rng.random() < 0.6:
            draw.rectangle([x + w * 0.35, SH - h * 0.6, x + w * 0.55, SH - h * 0.35], fill=rgb("#ffd166", 220))
        x += w + rng.uniform(2, 10) * S
    return Image.alpha_composite(layer, skyline)


def motif_tanada():
    """棚田: terraced rice fields stepping down a hillside, the flooded ones mirroring the sky."""
    layer = canvas()
    rng = random.Random("tanada")
    draw = ImageDraw.Draw(layer)
    # the hill behind, with a crown of trees
    hill = [(SW * 0.3, SH)] + [(SW * (0.3 + 0.75 * k / 40), SH * (0.3 - 0.1 * math.sin(math.pi * k / 40)))
                               for k in range(41)] + [(SW * 1.05, SH)]
    draw.polygon(hill, fill=rgb("#2d6a4f"))
    for k in range(34):
        x = SW * rng.uniform(0.36, 1.0)
        y = SH * (0.3 - 0.1 * math.sin(math.pi * (x / SW - 0.3) / 0.75)) + rng.uniform(-4, 10) * S
        r = rng.uniform(9, 16) * S
        draw.ellipse([x - r, y - r * 1.3, x + r, y + r * 0.7], fill=rgb(rng.choice(["#1b4332", "#2d6a4f", "#40916c"])))
    surfaces = ["#cde8f6", "#a7c957", "#cde8f6", "#90a955", "#b7e4c7", "#cde8f6", "#a7c957", "#cde8f6"]
    for k, surface in enumerate(surfaces):
        top = SH * (0.34 + k * 0.085)
        depth = (17 + k * 1.6) * S  # nearer terraces look deeper
        wall = (5 + k * 1.2) * S
        phase = rng.uniform(0, math.pi)
        edge = [(SW * (0.3 + 0.75 * j / 48), top + math.sin(j / 48 * math.pi * 1.6 + phase) * (10 + k * 2) * S)
                for j in range(49)]
        front = [(x, y + depth) for x, y in edge]
        draw.polygon(edge + [(SW * 1.05, SH), (SW * 0.3, SH)], fill=rgb("#52796f"))  # earth wall
        draw.polygon(edge + front[::-1], fill=rgb(surface))
        draw.line(front, fill=rgb("#354f52"), width=int(wall))
        draw.line(edge, fill=rgb("#f1faee", 230), width=int(1.6 * S))
        if surface == "#cde8f6":  # flooded paddies: sky glints on the water
            for _ in range(5):
                j = rng.randint(3, 42)
                x, y = edge[j]
                draw.line([(x, y + depth * 0.45), (x + rng.uniform(20, 46) * S, y + depth * 0.45)],
                          fill=(255, 255, 255, 210), width=int(1.4 * S))
        else:  # rows of young rice
            for j in range(2, 48, 2):
                x, y = edge[j]
                draw.line([(x, y + depth * 0.3), (x, y + depth * 0.8)], fill=rgb("#6a994e"), width=int(1.2 * S))
    return fade_in_from_left(layer, 0.34, 0.58)


DRAWERS = {
    "background": {"dawn": bg_dawn, "daylight": bg_daylight, "dusk": bg_dusk, "night": bg_night,
                   "gold_leaf": bg_gold_leaf},
    "pattern": {"none": pat_none, "seigaiha": pat_seigaiha, "asanoha": pat_asanoha, "shippo": pat_shippo,
                "kikko": pat_kikko, "uroko": pat_uroko},
    "motif": {"koi": motif_koi, "mountains": motif_mountains, "cave": motif_cave, "sakura": motif_sakura,
              "hanabi": motif_hanabi, "tanada": motif_tanada},
}


def main(only: list[str] | None = None) -> None:
    for layer, drawers in DRAWERS.items():
        folder = LAYERS_DIR / layer
        folder.mkdir(parents=True, exist_ok=True)
        for name, draw in drawers.items():
            if only and name not in only:
                continue
            image = finish(draw())
            image.save(folder / f"{name}.png", optimize=True)
            print(f"{layer}/{name}.png")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:] or None)
