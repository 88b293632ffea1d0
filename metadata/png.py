"""PNG encoding for many images that differ only in one band of rows (the cards).

Cards of the same art, collection and tier differ only where the resident
number and dates are printed. Deflating a whole 600x380 card costs ~20 ms,
most of a card's render time; here the rows above and below that band are
filtered and compressed once, as raw deflate segments ended with a full flush
(which resets the compressor, so segments join without back-references
across them), and each card compresses only its band. The zlib checksum of
the whole is combined from the parts. Rows use the PNG "Up" filter, except
the first row after the band, which uses "None" since the row above it
differs per card. The result is a standard PNG, the same bytes for the same
image every time.
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image, ImageChops

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ADLER_BASE = 65521
FILTER_NONE = b"\x00"
FILTER_UP = b"\x02"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def adler32_combine(adler1: int, adler2: int, length2: int) -> int:
    """Adler-32 of A+B from Adler-32 of A, of B and the length of B (zlib's adler32_combine)."""
    rem = length2 % ADLER_BASE
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % ADLER_BASE
    sum1 += (adler2 & 0xFFFF) + ADLER_BASE - 1
    sum2 += ((adler1 >> 16) & 0xFFFF) + ((adler2 >> 16) & 0xFFFF) + ADLER_BASE - rem
    sum1 %= ADLER_BASE
    sum2 %= ADLER_BASE
    return sum1 | (sum2 << 16)


def _up_filtered_rows(image: Image.Image, above: Image.Image | None) -> bytes:
    """Rows of `image` with filter Up; `above` is the row before the first (None: zeros)."""
    width, height = image.size
    shifted = Image.new("RGB", (width, height))
    if above is not None:
        shifted.paste(above, (0, 0))
    if height > 1:
        shifted.paste(image.crop((0, 0, width, height - 1)), (0, 1))
    raw = ImageChops.subtract_modulo(image, shifted).tobytes()
    stride = width * 3
    return FILTER_UP + FILTER_UP.join(raw[i:i + stride] for i in range(0, len(raw), stride))


def _deflate(data: bytes, level: int, final: bool) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


class BandedPng:
    """Encodes RGB images equal to `template` outside rows [band[0], band[1])."""

    def __init__(self, template: Image.Image, band: tuple[int, int], level: int = 1) -> None:
        if template.mode != "RGB":
            raise ValueError("BandedPng encodes RGB images")
        self.size = template.size
        self.band = band
        self.level = level
        width, height = template.size
        top, bottom = band
        if not 0 < top < bottom < height:
            raise ValueError(f"band {band} must lie inside the image height {height}, not at its edges")
        self._above_band = template.crop((0, top - 1, width, top))
        head = _up_filtered_rows(template.crop((0, 0, width, top)), None)
        below = template.crop((0, bottom, width, height))
        first = FILTER_NONE + below.crop((0, 0, width, 1)).tobytes()
        rest = _up_filtered_rows(below.crop((0, 1, width, height - bottom)), below.crop((0, 0, width, 1))) \
            if height - bottom > 1 else b""
        tail = first + rest
        self._head = _deflate(head, level, final=False)
        self._tail = _deflate(tail, level, final=True)
        self._head_adler = zlib.adler32(head)
        self._tail_adler = zlib.adler32(tail)
        self._tail_length = len(tail)
        self._ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))

    def encode(self, image: Image.Image) -> bytes:
        """The PNG of `image`, whose rows outside the band must equal the template's."""
        width, _ = self.size
        top, bottom = self.band
        return self.encode_band(image.crop((0, top, width, bottom)))

    def encode_band(self, band: Image.Image) -> bytes:
        """The PNG of the template with its band rows replaced by `band` (full width, band height)."""
        if band.size != (self.size[0], self.band[1] - self.band[0]) or band.mode != "RGB":
            raise ValueError(f"the band must be an RGB image of {self.size[0]}x{self.band[1] - self.band[0]}")
        middle = _up_filtered_rows(band, self._above_band)
        adler = adler32_combine(self._head_adler, zlib.adler32(middle), len(middle))
        adler = adler32_combine(adler, self._tail_adler, self._tail_length)
        stream = (b"\x78\x01" + self._head + _deflate(middle, self.level, final=False) + self._tail
                  + struct.pack(">I", adler))
        return SIGNATURE + self._ihdr + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")
